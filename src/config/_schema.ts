/** The key tables of the logger and of each built-in backend, and the one normalization of a config. */
import { describeValue, parseLevel } from "../levels.ts";
import { DEFAULT_SENSITIVE_FIELDS } from "../serialize.ts";
import { contextFields } from "../context.ts";
import type { NormalizedBackendConfig, NormalizedLoggerConfig } from "./config.ts";
import { camelize, inSpellingOf, isPlainObject, writtenKey } from "./_dialect.ts";
import { configError, didYouMean } from "./_suggest.ts";
import { fromPythonDialect } from "./_dialect.ts";
import { COMMON, type KeySpec, type KeyTable } from "./_keys.ts";
import { CONSOLE_KEYS } from "../backends/console_options.ts";
import { FILE_KEYS } from "../backends/file_options.ts";
import { REST_KEYS } from "../backends/rest_options.ts";
import { WEBSOCKET_KEYS } from "../backends/websocket_options.ts";

/** Keys of the Python edition that carry no meaning here: accepted and dropped. */
const IGNORED_BACKEND_KEYS = new Set(["security", "retry", "timeout", "bufferSize", "flushInterval", "batchStrategy"]);
const IGNORED_LOGGER_KEYS = new Set([
  "correlationIdHeader",
  "enableCorrelationIds",
  "enableStructuredContext",
  "asyncQueueSize",
  "enablePerformanceMetrics",
  "enableSingleton",
  "singletonName",
  "name",
  "format",
  "flushInterval",
  "batchStrategy",
]);

/**
 * The keys, kinds and defaults of each built-in backend type, each written
 * once in its backend's options module.
 */
export const BACKEND_SCHEMAS: Record<string, KeyTable> = {
  console: CONSOLE_KEYS,
  file: FILE_KEYS,
  rest_api: REST_KEYS,
  websocket: WEBSOCKET_KEYS,
};

export const LOGGER_SCHEMA: KeyTable = {
  level: { kind: "level", default: "info" },
  backends: { kind: "any" },
  context: { kind: "object", default: {} },
  sensitiveFields: { kind: "strings", default: [] },
  redactPatterns: { kind: "patterns", default: [] },
  maxContextSize: { kind: "integer", min: 1, default: 10000 },
  maxMessageLength: { kind: "integer", min: 1, default: 1_048_576 },
  appName: { kind: "string" },
  environment: { kind: "string" },
  version: { kind: "string" },
  enableSanitization: { kind: "boolean", default: true },
  loggers: { kind: "object" },
  handleSignals: { kind: "boolean", default: true },
};

function expectedText(spec: KeySpec): string {
  const min = spec.min !== undefined ? ` ≥ ${spec.min}` : "";
  switch (spec.kind) {
    case "integer":
      return `a whole number${min}`;
    case "number":
      return `a number${min}`;
    case "headers":
      return "an object of string values";
    case "strings":
      return "an array of strings";
    case "patterns":
      return "an array of regular expressions (strings or RegExp)";
    case "object":
      return "an object";
    case "level":
      return "a log level";
    default:
      return spec.values ? `one of ${spec.values.map((v) => JSON.stringify(v)).join(", ")}` : `a ${spec.kind}`;
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// deno-lint-ignore no-control-regex
const HEADER_VALUE_FORBIDDEN = /[\r\n\u0000]/;

/** Rejects a header name that is not an HTTP token, or a value with CR, LF or NUL (the value is never echoed). */
function checkHeader(where: string, name: string, value: string): void {
  if (!HEADER_NAME.test(name)) {
    throw configError(where, `header name ${JSON.stringify(name)} is not a valid HTTP token`, { key: "headers" }, [
      "Use letters, digits and - in header names",
    ]);
  }
  if (HEADER_VALUE_FORBIDDEN.test(value)) {
    throw configError(where, `the value of header "${name}" contains a line break or NUL`, { key: `headers.${name}` }, [
      "Remove CR, LF and NUL characters from header values",
    ]);
  }
}

function checkValue(where: string, key: string, spec: KeySpec, value: unknown): unknown {
  const given = !spec.secret
    ? describeValue(value)
    : typeof value === "string"
    ? `a string of ${value.length} chars`
    : `a value of type ${Array.isArray(value) ? "array" : value === null ? "null" : typeof value}`;
  const fail = () =>
    configError(where, `"${key}" expected ${expectedText(spec)}, got ${given}`, {
      key,
      expected: expectedText(spec),
      given,
    });
  switch (spec.kind) {
    case "level":
      try {
        return parseLevel(value, `${where} "${key}"`);
      } catch {
        if (typeof value === "number" || (typeof value === "string" && /^\s*\d+\s*$/.test(value))) {
          throw configError(where, `"${key}" ${given} is outside the level range 0–50`, { key, given }, [
            "Use a LogLevel value (TRACE 5 … CRITICAL 50) or a level name; to silence a backend, set enabled: false",
          ]);
        }
        throw configError(where, `"${key}" is not a known log level: ${given}`, { key, given }, [
          "Use one of trace, debug, info, warning (warn), error, critical (fatal), or a LogLevel value",
        ]);
      }
    case "string":
      if (typeof value !== "string") throw fail();
      if (spec.values && !spec.values.includes(value)) {
        const lower = value.toLowerCase();
        const exact = spec.values.find((v) => v.toLowerCase() === lower);
        if (exact) return exact;
        const guess = didYouMean(value, spec.values);
        throw configError(
          where,
          `"${key}" expected ${expectedText(spec)}, got ${given}${guess ? `; did you mean "${guess}"?` : ""}`,
          { key, expected: expectedText(spec), given },
        );
      }
      return value;
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value)) throw fail();
      if (spec.kind === "integer" && !Number.isInteger(value)) throw fail();
      if (spec.min !== undefined && value < spec.min) throw fail();
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw fail();
      return value;
    case "headers":
      if (!isPlainObject(value)) throw fail();
      for (const k of Object.keys(value)) {
        if (typeof value[k] !== "string") {
          throw configError(
            where,
            `"${key}.${k}" expected a string, got ${spec.secret ? typeof value[k] : describeValue(value[k])}`,
            {
              key: `${key}.${k}`,
            },
          );
        }
        if (key === "headers") checkHeader(where, k, value[k] as string);
      }
      return { ...value };
    case "strings":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw fail();
      return [...value];
    case "patterns":
      if (!Array.isArray(value)) throw fail();
      for (const p of value) {
        if (p instanceof RegExp) continue;
        if (typeof p !== "string") throw fail();
        try {
          new RegExp(p);
        } catch {
          throw configError(where, `"${key}" holds an invalid regular expression ${describeValue(p)}`, { key });
        }
      }
      return [...value];
    case "object":
      if (!isPlainObject(value)) throw fail();
      return value;
    default:
      return value;
  }
}

/**
 * Normalizes and validates one backend config: snake_case and the Python
 * dump dialect become camelCase, defaults are filled, values checked.
 *
 * @param config The config as given.
 * @param index Its position in `backends`, for messages.
 * @returns The normalized config.
 * @throws {LoggerConfigurationError} Naming the backend, key, expectation and value.
 *
 * @example
 * ```ts
 * import { normalizeBackendConfig } from "@jinpy/logger";
 * const c = normalizeBackendConfig({ backend_type: "file", max_size_mb: 1 });
 * console.log(c.type, c.maxSizeMb, c.backupCount); // file 1 5
 * ```
 */
export function normalizeBackendConfig(config: unknown, index?: number): NormalizedBackendConfig {
  // A config is normalized once: what this function made passes through.
  if (NORMALIZED.has(config as object)) return config as NormalizedBackendConfig;
  const normalized = normalizeBackend(config, index);
  NORMALIZED.add(normalized);
  return normalized;
}

/** The configs `normalizeBackendConfig` made. */
const NORMALIZED = new WeakSet<object>();

function normalizeBackend(config: unknown, index?: number): NormalizedBackendConfig {
  const at = index === undefined ? "backend" : `backends[${index}]`;
  if (!isPlainObject(config)) {
    throw configError(at, `expected an object, got ${describeValue(config)}`, { given: describeValue(config) });
  }
  const c = camelize(config, at);
  const kind = c.type ?? c.backendType;
  fromPythonDialect(c, typeof kind === "string" ? `${at} (${kind})` : at);
  if (typeof c.type !== "string" || c.type === "") {
    throw configError(at, `"type" is missing`, { key: "type" }, [
      'Give "type": one of "console", "file", "rest_api", "websocket" or a registered custom type',
    ]);
  }
  const type = c.type;
  const where = `${at} (${type})`;
  if (type === "database") {
    throw configError(where, `the "database" backend of the Python edition is not supported`, { key: "type" }, [
      'Send records to a database collector with "rest_api" (payloadFormat "ndjson" suits ClickHouse)',
    ]);
  }
  const schema = BACKEND_SCHEMAS[type];
  const out: NormalizedBackendConfig = { type, name: type, level: 0, enabled: true };
  if (schema === undefined) {
    // A custom type: keep every key as given, plus its camelCase name.
    for (const k of Object.keys(config)) out[k] = config[k];
    for (const k of Object.keys(c)) out[k] = c[k];
    out.type = type;
    out.level = c.level === undefined ? 0 : checkValue(where, writtenKey(c, "level"), COMMON.level, c.level) as number;
    out.enabled = c.enabled === undefined
      ? true
      : checkValue(where, writtenKey(c, "enabled"), COMMON.enabled, c.enabled) as boolean;
    out.name = typeof c.name === "string" ? c.name : type;
    return out;
  }
  for (const k of Object.keys(c)) {
    if (IGNORED_BACKEND_KEYS.has(k) && !(k in schema)) continue;
    const spec = schema[k];
    const written = writtenKey(c, k);
    if (spec === undefined) {
      const guess = didYouMean(k, Object.keys(schema));
      const shown = guess === undefined ? undefined : inSpellingOf(written, guess);
      throw configError(where, `unknown key "${written}"${shown ? `; did you mean "${shown}"?` : ""}`, {
        key: written,
      }, [`Keys of a ${type} backend: ${Object.keys(schema).join(", ")}`]);
    }
    if (c[k] === undefined) continue;
    if (c[k] === null) {
      if ("nullMeans" in spec) out[k] = spec.nullMeans;
      continue;
    }
    out[k] = checkValue(where, written, spec, c[k]);
  }
  for (const k of Object.keys(schema)) {
    if (out[k] === undefined && schema[k].default !== undefined) {
      const d = schema[k].default;
      out[k] = isPlainObject(d) ? { ...d } : Array.isArray(d) ? [...d] : d;
    }
  }
  if (out.level === undefined) out.level = 0;
  if (c.name === undefined || c.name === null) out.name = type;
  if ((type === "rest_api" || type === "websocket") && typeof out.endpoint !== "string") {
    throw configError(where, `"endpoint" is required`, { key: "endpoint" }, [
      type === "rest_api" ? 'e.g. "https://logs.example.com/api/v1/logs"' : 'e.g. "wss://logs.example.com/ws"',
    ]);
  }
  return out;
}

/**
 * Normalizes and validates a whole logger config (ours, the seed's
 * snake_case, or a Python 0.2.0 `GlobalLoggerConfig` dump).
 *
 * @param config The config as given.
 * @returns The normalized config.
 * @throws {LoggerConfigurationError} On any invalid key or value.
 *
 * @example
 * ```ts
 * import { normalizeLoggerConfig } from "@jinpy/logger";
 * const c = normalizeLoggerConfig({ default_level: "debug", backends: [{ backend_type: "console" }] });
 * console.log(c.level); // 10
 * ```
 */
export function normalizeLoggerConfig(config: unknown): NormalizedLoggerConfig {
  if (config === undefined || config === null) config = {};
  if (!isPlainObject(config)) {
    throw configError("config", `expected an object, got ${describeValue(config)}`, { given: describeValue(config) });
  }
  const c = camelize(config);
  if (c.level !== undefined && c.defaultLevel !== undefined && c.level !== c.defaultLevel) {
    throw configError(
      "config",
      `"${writtenKey(c, "level")}" and "${writtenKey(c, "defaultLevel")}" are the same key; give it once`,
      {
        key: writtenKey(c, "level"),
        also: writtenKey(c, "defaultLevel"),
      },
    );
  }
  const levelWritten = writtenKey(c, c.level === undefined && c.defaultLevel !== undefined ? "defaultLevel" : "level");
  if (c.level === undefined && c.defaultLevel !== undefined) c.level = c.defaultLevel;
  delete c.defaultLevel;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(c)) {
    if (IGNORED_LOGGER_KEYS.has(k)) continue;
    const spec = LOGGER_SCHEMA[k];
    const written = k === "level" ? levelWritten : writtenKey(c, k);
    if (spec === undefined) {
      const guess = didYouMean(k, Object.keys(LOGGER_SCHEMA));
      const shown = guess === undefined ? undefined : inSpellingOf(written, guess);
      throw configError("config", `unknown key "${written}"${shown ? `; did you mean "${shown}"?` : ""}`, {
        key: written,
      }, [`Keys of a logger config: ${Object.keys(LOGGER_SCHEMA).join(", ")}`]);
    }
    if (c[k] === undefined || c[k] === null) continue;
    out[k] = checkValue("config", written, spec, c[k]);
  }
  for (const k of Object.keys(LOGGER_SCHEMA)) {
    const d = LOGGER_SCHEMA[k].default;
    if (out[k] === undefined && d !== undefined) out[k] = checkValue("config", k, LOGGER_SCHEMA[k], d);
  }
  const backends = c.backends === undefined || c.backends === null ? [{ type: "console" }] : c.backends;
  if (!Array.isArray(backends)) {
    throw configError("config", `"backends" expected an array, got ${describeValue(backends)}`, { key: "backends" });
  }
  const sanitize = out.enableSanitization !== false;
  const normalizedBackends = backends.map((b, i) => normalizeBackendConfig(b, i));
  // The application's identity reaches the backends that send it, unless a backend sets its own.
  for (const b of normalizedBackends) {
    if (!(b.type in BACKEND_SCHEMAS) || !("appName" in BACKEND_SCHEMAS[b.type])) continue;
    for (const k of ["appName", "environment", "version"] as const) {
      if (b[k] === undefined && out[k] !== undefined) b[k] = out[k];
    }
  }
  if (c.level === undefined || c.level === null) {
    // No logger level: the lowest level a backend asks for, so a DEBUG console still gets DEBUG.
    const asked = backends.map((b, i) =>
      isPlainObject(b) && b.level !== undefined && b.level !== null ? normalizedBackends[i].level : out.level as number
    );
    if (asked.length > 0) out.level = Math.min(...asked);
  }
  return {
    level: out.level as number,
    backends: normalizedBackends,
    // Read once, never throwing: hostile fields become markers.
    context: contextFields(out.context),
    sensitiveFields: sanitize ? [...new Set([...DEFAULT_SENSITIVE_FIELDS, ...out.sensitiveFields as string[]])] : [],
    redactPatterns: out.redactPatterns as (string | RegExp)[],
    maxContextSize: out.maxContextSize as number,
    maxMessageLength: out.maxMessageLength as number,
    appName: out.appName as string | undefined,
    environment: out.environment as string | undefined,
    version: out.version as string | undefined,
    loggers: { ...(out.loggers as Record<string, unknown> | undefined) },
    handleSignals: out.handleSignals !== false,
  };
}
