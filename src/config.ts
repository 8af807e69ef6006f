import { LoggerConfigurationError } from "./errors.ts";
import { describeValue, type LevelInput, parseLevel } from "./levels.ts";
import { contextFields } from "./context.ts";

/**
 * Output formats: `json` one record per line; `console` human-readable,
 * colored on a TTY; `plain` like console without colors; `structured`
 * `key=value` pairs (logfmt).
 *
 * @example
 * ```ts
 * import type { OutputFormat } from "@jinpy/logger";
 * const format: OutputFormat = "json";
 * ```
 */
export type OutputFormat = "console" | "json" | "plain" | "structured";

/**
 * Keys every backend accepts.
 *
 * @example
 * ```ts
 * import type { BackendConfigBase } from "@jinpy/logger";
 * const base: BackendConfigBase = { type: "console", level: "info", name: "main" };
 * ```
 */
export interface BackendConfigBase {
  /** Backend type as registered with the factory: `console`, `file`, `rest_api`, `websocket`, … */
  type: string;
  /** Lowest level this backend takes; all levels when not set. */
  level?: LevelInput;
  /** A name for stats and reports; the type by default. */
  name?: string;
  /** `false` creates the backend but skips it. Default `true`. */
  enabled?: boolean;
  /** Record format (`json`, `console`, `plain`, `structured`); each type has its own default. */
  format?: OutputFormat;
  /** Hold records below `level` (default error) until one at or above it arrives, then write them first; per `withContext` scope; at most `maxBuffered` (1000) held, older ones discarded and counted. */
  fingersCrossed?: { level?: LevelInput; maxBuffered?: number };
  /** Keep this share of records (0 to 1), or a share per level, e.g. `{ debug: 0.01, info: 0.1 }`; the rest are counted as `sampledOut`. */
  sample?: number | Partial<Record<string, number>>;
  /** At most `records` per `perSeconds` (1) seconds; the rest are counted, then one "N records suppressed" record is written. */
  rateLimit?: { records: number; perSeconds?: number };
}

/**
 * The console backend's options.
 *
 * @example
 * ```ts
 * import { getLogger, type ConsoleBackendConfig } from "@jinpy/logger";
 * const console: ConsoleBackendConfig = { type: "console", level: "debug", showSource: true };
 * getLogger("console_app", { backends: [console] }).info("hello");
 * ```
 */
export interface ConsoleBackendConfig extends BackendConfigBase {
  /** Always `"console"`. */
  type: "console";
  /** Colors: auto (TTY, `NO_COLOR` unset, `FORCE_COLOR` honoured) when not set. */
  useColors?: boolean;
  /** Show the caller's `file.ts:line`. Default `false`. */
  showSource?: boolean;
  /** strftime format of the time column. Default `"%H:%M:%S.%f"`. */
  timestampFormat?: string;
  /** Record format: `console` (default), `json`, `plain` or `structured`. */
  format?: OutputFormat;
  /** Which standard stream. Default `"stdout"`. */
  stream?: "stdout" | "stderr";
  /**
   * Write each record through `console.debug/info/warn/error` (by level), so
   * that the runtime's OpenTelemetry (Deno with `OTEL_DENO=true`, Deno
   * Deploy) exports it with its severity and span context; when not set, on
   * where `OTEL_DENO` is `true`.
   */
  otel?: boolean;
}

/**
 * The file backend's options.
 *
 * @example
 * ```ts
 * import type { FileBackendConfig } from "@jinpy/logger";
 * const file: FileBackendConfig = { type: "file", filePath: "logs/app-{date}.log", maxSizeMb: 100, backupCount: 10, compression: true };
 * ```
 */
export interface FileBackendConfig extends BackendConfigBase {
  /** Always `"file"`. */
  type: "file";
  /** Path; `{date}` expands to the local `YYYY-MM-DD`. Default `"logs/app.log"`. */
  filePath?: string;
  /** Rotate before the file would pass this size, in MB (fractions allowed; 0 = never). Default 100. */
  maxSizeMb?: number;
  /** Rotated files kept. Default 5. */
  backupCount?: number;
  /** Gzip rotated files. Default `false`. */
  compression?: boolean;
  /** Only `"utf-8"`. */
  encoding?: string;
  /** Buffered bytes that trigger a write. Default 65536. */
  bufferSize?: number;
  /** Seconds between timed writes. Default 1. */
  flushInterval?: number;
  /** Write off the logging path. Default `true`. */
  asyncEnabled?: boolean;
  /** Record format: `json` (default, one record per line), `plain`, `console` (no colors) or `structured`. */
  format?: OutputFormat;
  /** strftime format of the time column of the text formats. Default `"%Y-%m-%d %H:%M:%S.%f"`. */
  timestampFormat?: string;
  /** Show the caller's `file.ts:line` in the text formats. Default `false`. */
  showSource?: boolean;
  /**
   * Epoch milliseconds deciding the day of `{date}`; the record's own
   * timestamp when not set. For tests and replays.
   */
  clock?: () => number;
}

/**
 * Body shapes the REST backend can send.
 *
 * @example
 * ```ts
 * import type { PayloadFormat } from "@jinpy/logger";
 * const format: PayloadFormat = "ndjson";
 * ```
 */
export type PayloadFormat = "jinpy" | "ndjson" | "loki" | "otlp" | "otlp-protobuf" | "elasticsearch";

/**
 * The REST API backend's options.
 *
 * @example
 * ```ts
 * import type { RestApiBackendConfig } from "@jinpy/logger";
 * const rest: RestApiBackendConfig = { type: "rest_api", endpoint: "https://logs.example.com/api/v1/logs", batchSize: 50 };
 * ```
 */
export interface RestApiBackendConfig extends BackendConfigBase {
  /** Always `"rest_api"`. */
  type: "rest_api";
  /** Full URL. */
  endpoint: string;
  /** HTTP method. Default `"POST"`. */
  method?: "POST" | "PUT" | "PATCH";
  /** Extra request headers (never logged). */
  headers?: Record<string, string>;
  /** Per-request timeout in seconds. Default 30. */
  timeoutSeconds?: number;
  /** Retries after the first attempt. Default 3. */
  retryCount?: number;
  /** Exponential backoff factor. Default 2. */
  retryBackoffFactor?: number;
  /** First retry delay in seconds. Default 1. */
  retryBaseDelay?: number;
  /** Longest retry delay in seconds. Default 60. */
  retryMaxDelay?: number;
  /** Randomize retry delays. Default `true`. */
  retryJitter?: boolean;
  /** Records per request. Default 100. */
  batchSize?: number;
  /** Seconds before a partial batch is sent. Default 5. */
  batchTimeout?: number;
  /** Records held at most. Default 10000. */
  maxQueueSize?: number;
  /** Requests in flight at once. Default 1. */
  concurrency?: number;
  /** Spool undeliverable batches to `fallbackFile`. Default `false`. */
  fallbackToFile?: boolean;
  /** Spool path. Default `"logs/api_fallback.log"`. */
  fallbackFile?: string;
  /** Verify TLS certificates. Default `true`. */
  verifySsl?: boolean;
  /** PEM client certificate path, for mTLS. */
  clientCert?: string;
  /** PEM client key path, for mTLS. */
  clientKey?: string;
  /** PEM CA certificate path to trust. */
  caCert?: string;
  /** Encrypt bodies with AES-256-GCM. Default `false`. */
  encryptPayload?: boolean;
  /** Passphrase for `encryptPayload`. */
  encryptionKey?: string;
  /** Body shape. Default `"jinpy"`. */
  payloadFormat?: PayloadFormat;
  /** Gzip request bodies. Default `false`. */
  compression?: boolean;
  /** Extra labels (Loki) or resource attributes (OTLP). */
  labels?: Record<string, string>;
  /** Index name for `elasticsearch`. Default `"logs"`. */
  index?: string;
  /** Seconds `shutdown()` (and the end of the process) waits for delivery before spooling or dropping the rest. Default 10. */
  shutdownTimeout?: number;
  /** The older name of `shutdownTimeout`, still accepted. */
  flushTimeout?: number;
  /** Accepted for configs shared with the Python edition; sending is always off the logging path. */
  asyncEnabled?: boolean;
  /** Accepted for configs shared with the Python edition; bodies are always JSON records. */
  format?: OutputFormat;
}

/**
 * The WebSocket backend's options.
 *
 * @example
 * ```ts
 * import type { WebSocketBackendConfig } from "@jinpy/logger";
 * const ws: WebSocketBackendConfig = { type: "websocket", endpoint: "wss://logs.example.com/ws", reconnectInterval: 5 };
 * ```
 */
export interface WebSocketBackendConfig extends BackendConfigBase {
  /** Always `"websocket"`. */
  type: "websocket";
  /** `ws://` or `wss://` URL. */
  endpoint: string;
  /** Handshake headers (Deno, Bun, Node). */
  headers?: Record<string, string>;
  /** Seconds between reconnects (backoff grows from it). Default 5. */
  reconnectInterval?: number;
  /** Reconnects before giving up; 0 = forever. Default 10. */
  maxReconnectAttempts?: number;
  /**
   * Seconds after giving up before a new record starts a fresh cycle of connection attempts
   * (records in between are dropped and counted). Default: max(reconnectInterval × 10, 30).
   */
  reconnectCooldown?: number;
  /** Seconds between application pings; 0 = none. Default 30. */
  pingInterval?: number;
  /** Largest message in bytes. Default 1048576. */
  maxMessageSize?: number;
  /** Records per message. Default 100. */
  batchSize?: number;
  /** Seconds before a partial batch is sent. Default 0.1. */
  batchTimeout?: number;
  /** Records held at most. Default 10000. */
  maxQueueSize?: number;
  /** `"batch"` (default) or `"record"` (one record per message). */
  messageMode?: "batch" | "record";
  /** A token sent as the query parameter `tokenParam`, for runtimes that cannot send headers (never logged). */
  token?: string;
  /** Query parameter name for `token`. Default `"token"`. */
  tokenParam?: string;
  /** Subprotocols offered in the handshake. */
  protocols?: string[];
  /** Keep each message until the server answers `{"type":"ack","batch_id":…}`. Default `false`. */
  acks?: boolean;
  /** Seconds to wait for an ack before the connection is treated as broken. Default 10. */
  ackTimeout?: number;
  /** Seconds to wait for the connection to open. Default 10. */
  connectTimeout?: number;
  /** Seconds an idle connection stays open (so a process can exit); 0 = until shutdown. Default 5. */
  idleTimeout?: number;
  /** Seconds `flush()` and `shutdown()` wait for delivery at most. Default 10. */
  shutdownTimeout?: number;
  /** The older name of `shutdownTimeout`, still accepted. */
  flushTimeout?: number;
  /** Spool what cannot be sent (overflow, outage, exit) to `fallbackFile`, replayed first once connected. Default `false`. */
  fallbackToFile?: boolean;
  /** Spool path. Default `"logs/websocket_fallback.log"`. */
  fallbackFile?: string;
  /** Accepted for configs shared with the Python edition; sending is always off the logging path. */
  asyncEnabled?: boolean;
  /** Accepted for configs shared with the Python edition; bodies are always JSON records. */
  format?: OutputFormat;
}

/**
 * A backend type registered by the application, with its own keys.
 *
 * @example
 * ```ts
 * import type { CustomBackendConfig } from "@jinpy/logger";
 * const custom: CustomBackendConfig = { type: "custom", level: "INFO", custom_param: "value" };
 * ```
 */
export interface CustomBackendConfig extends BackendConfigBase {
  /** Any further keys, kept as given on the backend's `config`. */
  [key: string]: unknown;
}

/**
 * Any backend configuration.
 *
 * @example
 * ```ts
 * import type { BackendConfig } from "@jinpy/logger";
 * const backends: BackendConfig[] = [{ type: "console" }, { type: "file", filePath: "logs/app.log" }];
 * ```
 */
export type BackendConfig =
  | ConsoleBackendConfig
  | FileBackendConfig
  | RestApiBackendConfig
  | WebSocketBackendConfig
  | CustomBackendConfig;

/**
 * A logger's configuration. Keys may also be given in the seed's snake_case
 * and in the Python edition's dump dialect; they are normalized on load.
 *
 * @example
 * ```ts
 * import { getLogger, type LoggerConfig } from "@jinpy/logger";
 * const config: LoggerConfig = { level: "debug", backends: [{ type: "console" }] };
 * getLogger("app", config).debug("ready");
 * ```
 */
export interface LoggerConfig {
  /** Lowest level logged. Default `"info"`. */
  level?: LevelInput;
  /** Backends; a console backend when not given. */
  backends?: BackendConfig[];
  /** Context added to every record. */
  context?: Record<string, unknown>;
  /** Words that make a context key secret. Default password, token, secret, key, auth. */
  sensitiveFields?: string[];
  /** Regular expressions over message text to redact, e.g. `"password=\\S+"`. */
  redactPatterns?: (string | RegExp)[];
  /** Most characters of serialized context per record. Default 10000. */
  maxContextSize?: number;
  /** Most characters of a message. Default 1048576. */
  maxMessageLength?: number;
  /** Application name (OTLP `service.name`, Loki label). */
  appName?: string;
  /** Deployment environment. */
  environment?: string;
  /** Application version. */
  version?: string;
  /**
   * Per category (dotted name): `level`, `backends` and `context` for that
   * logger and its descendants, e.g. `{ "app.db": { level: "debug" } }`.
   * Used by `setGlobalConfig`.
   */
  loggers?: Record<string, LoggerConfig>;
  /**
   * Whether SIGTERM, SIGINT and SIGHUP that the application does not handle
   * itself flush every backend (for at most 3 s) and then end the process
   * with status 128 + the signal number. Default `true`; `false` anywhere
   * turns it off for the process.
   */
  handleSignals?: boolean;
}

/**
 * A logger config after normalization and validation.
 *
 * @example
 * ```ts
 * import { normalizeLoggerConfig, type NormalizedLoggerConfig } from "@jinpy/logger";
 * const c: NormalizedLoggerConfig = normalizeLoggerConfig({ level: "warn" });
 * console.log(c.level); // 30
 * ```
 */
export interface NormalizedLoggerConfig {
  /** Level number. */
  level: number;
  /** Normalized backend configs. */
  backends: NormalizedBackendConfig[];
  /** Context added to every record. */
  context: Record<string, unknown>;
  /** Words that make a key secret ([] when sanitization is off). */
  sensitiveFields: string[];
  /** Message redaction patterns. */
  redactPatterns: (string | RegExp)[];
  /** Most characters of serialized context. */
  maxContextSize: number;
  /** Most characters of a message. */
  maxMessageLength: number;
  /** Application name. */
  appName: string | undefined;
  /** Deployment environment. */
  environment: string | undefined;
  /** Application version. */
  version: string | undefined;
  /** Per-category configs as given (checked when the global config is set). */
  loggers: Record<string, unknown>;
  /** Whether unhandled SIGTERM, SIGINT and SIGHUP flush before the process ends. */
  handleSignals: boolean;
}

/**
 * A backend config after normalization: camelCase keys, defaults filled,
 * level as a number (`0` when not set), plus any custom keys as given.
 *
 * @example
 * ```ts
 * import { normalizeBackendConfig, type NormalizedBackendConfig } from "@jinpy/logger";
 * const c: NormalizedBackendConfig = normalizeBackendConfig({ type: "console", use_colors: false });
 * console.log(c.useColors); // false
 * ```
 */
export type NormalizedBackendConfig = {
  type: string;
  name: string;
  level: number;
  enabled: boolean;
  [key: string]: unknown;
};

type Kind =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "level"
  | "headers"
  | "strings"
  | "object"
  | "patterns"
  | "any";

interface KeySpec {
  kind: Kind;
  min?: number;
  values?: readonly string[];
  default?: unknown;
  secret?: boolean;
}

const FORMATS = ["console", "json", "plain", "structured"] as const;

const COMMON: Record<string, KeySpec> = {
  type: { kind: "string" },
  name: { kind: "string" },
  level: { kind: "level" },
  enabled: { kind: "boolean", default: true },
  // Per-backend filters, checked where they are built (src/filters.ts).
  fingersCrossed: { kind: "any" },
  sample: { kind: "any" },
  rateLimit: { kind: "any" },
};

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

/** The keys, kinds and defaults of each built-in backend type. */
export const BACKEND_SCHEMAS: Record<string, Record<string, KeySpec>> = {
  console: {
    ...COMMON,
    useColors: { kind: "boolean" },
    showSource: { kind: "boolean", default: false },
    timestampFormat: { kind: "string", default: "%H:%M:%S.%f" },
    format: { kind: "string", values: FORMATS, default: "console" },
    stream: { kind: "string", values: ["stdout", "stderr"], default: "stdout" },
    otel: { kind: "boolean" },
  },
  file: {
    ...COMMON,
    filePath: { kind: "string", default: "logs/app.log" },
    maxSizeMb: { kind: "number", min: 0, default: 100 },
    backupCount: { kind: "integer", min: 0, default: 5 },
    compression: { kind: "boolean", default: false },
    encoding: { kind: "string", values: ["utf-8", "utf8"], default: "utf-8" },
    bufferSize: { kind: "integer", min: 0, default: 65536 },
    flushInterval: { kind: "number", min: 0, default: 1 },
    asyncEnabled: { kind: "boolean", default: true },
    format: { kind: "string", values: FORMATS, default: "json" },
    showSource: { kind: "boolean", default: false },
    timestampFormat: { kind: "string", default: "%Y-%m-%d %H:%M:%S.%f" },
    clock: { kind: "any" },
  },
  rest_api: {
    ...COMMON,
    endpoint: { kind: "string" },
    method: { kind: "string", values: ["POST", "PUT", "PATCH"], default: "POST" },
    headers: { kind: "headers", default: {}, secret: true },
    timeoutSeconds: { kind: "number", min: 0, default: 30 },
    retryCount: { kind: "integer", min: 0, default: 3 },
    retryBackoffFactor: { kind: "number", min: 1, default: 2 },
    retryBaseDelay: { kind: "number", min: 0, default: 1 },
    retryMaxDelay: { kind: "number", min: 0, default: 60 },
    retryJitter: { kind: "boolean", default: true },
    batchSize: { kind: "integer", min: 1, default: 100 },
    batchTimeout: { kind: "number", min: 0, default: 5 },
    maxQueueSize: { kind: "integer", min: 1, default: 10000 },
    concurrency: { kind: "integer", min: 1, default: 1 },
    fallbackToFile: { kind: "boolean", default: false },
    fallbackFile: { kind: "string", default: "logs/api_fallback.log" },
    verifySsl: { kind: "boolean", default: true },
    clientCert: { kind: "string" },
    clientKey: { kind: "string" },
    caCert: { kind: "string" },
    encryptPayload: { kind: "boolean", default: false },
    encryptionKey: { kind: "string", secret: true },
    payloadFormat: {
      kind: "string",
      values: ["jinpy", "ndjson", "loki", "otlp", "otlp-protobuf", "elasticsearch"],
      default: "jinpy",
    },
    compression: { kind: "boolean", default: false },
    labels: { kind: "headers", default: {} },
    index: { kind: "string", default: "logs" },
    shutdownTimeout: { kind: "number", min: 0, default: 10 },
    flushTimeout: { kind: "number", min: 0 },
    format: { kind: "string", values: FORMATS, default: "json" },
    asyncEnabled: { kind: "boolean", default: true },
  },
  websocket: {
    ...COMMON,
    endpoint: { kind: "string" },
    headers: { kind: "headers", default: {}, secret: true },
    reconnectInterval: { kind: "number", min: 0, default: 5 },
    maxReconnectAttempts: { kind: "integer", min: 0, default: 10 },
    reconnectCooldown: { kind: "number", min: 0 },
    pingInterval: { kind: "number", min: 0, default: 30 },
    maxMessageSize: { kind: "integer", min: 1, default: 1_048_576 },
    batchSize: { kind: "integer", min: 1, default: 100 },
    batchTimeout: { kind: "number", min: 0, default: 0.1 },
    maxQueueSize: { kind: "integer", min: 1, default: 10000 },
    messageMode: { kind: "string", values: ["batch", "record"], default: "batch" },
    token: { kind: "string", secret: true },
    tokenParam: { kind: "string", default: "token" },
    protocols: { kind: "strings", default: [] },
    acks: { kind: "boolean", default: false },
    ackTimeout: { kind: "number", min: 0, default: 10 },
    connectTimeout: { kind: "number", min: 0, default: 10 },
    idleTimeout: { kind: "number", min: 0, default: 5 },
    shutdownTimeout: { kind: "number", min: 0, default: 10 },
    flushTimeout: { kind: "number", min: 0 },
    fallbackToFile: { kind: "boolean", default: false },
    fallbackFile: { kind: "string", default: "logs/websocket_fallback.log" },
    format: { kind: "string", values: FORMATS, default: "json" },
    asyncEnabled: { kind: "boolean", default: true },
  },
};

const LOGGER_SCHEMA: Record<string, KeySpec> = {
  level: { kind: "level", default: "info" },
  backends: { kind: "any" },
  context: { kind: "object", default: {} },
  sensitiveFields: { kind: "strings", default: ["password", "token", "secret", "key", "auth"] },
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

/** `snake_case` → `camelCase`; camelCase stays as it is. */
export function camelKey(key: string): string {
  return key.includes("_") ? key.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()) : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function camelize(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    const c = camelKey(k);
    if (!(c in out) || c === k) out[c] = obj[k];
  }
  return out;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/**
 * The closest candidate to `word`, if close enough to be a likely typo.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * A `LoggerConfigurationError` in the common shape: "Invalid logger
 * configuration at <where>: <message>", with `where` and `details` in its
 * details.
 */
export function configError(
  where: string,
  message: string,
  details: Record<string, unknown>,
  suggestions: string[] = [],
): LoggerConfigurationError {
  return new LoggerConfigurationError(`Invalid logger configuration at ${where}: ${message}`, {
    details: { at: where, ...details },
    suggestions,
  });
}

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

/** Maps the Python edition's dump dialect onto ours (keys already camelCase). */
function fromPythonDialect(c: Record<string, unknown>, where: string): void {
  if (c.type === undefined && c.backendType !== undefined) c.type = c.backendType;
  delete c.backendType;
  if (c.colors !== undefined && c.useColors === undefined) c.useColors = c.colors;
  delete c.colors;
  if (c.wsUrl !== undefined && c.endpoint === undefined) c.endpoint = c.wsUrl;
  delete c.wsUrl;
  if (typeof c.compression === "string") {
    const v = c.compression.toLowerCase();
    if (v === "gzip") c.compression = true;
    else if (v === "none" || v === "") c.compression = false;
    else {
      throw configError(where, `"compression" ${JSON.stringify(c.compression)} is not supported`, {
        key: "compression",
        given: c.compression,
      }, ['Use "gzip" (or true) or "none" (or false)']);
    }
  }
  if (typeof c.baseUrl === "string") {
    const endpoint = typeof c.endpoint === "string" && c.endpoint !== "" ? c.endpoint : undefined;
    try {
      c.endpoint = endpoint ? new URL(endpoint, c.baseUrl).href : c.baseUrl;
    } catch {
      throw configError(where, `"base_url" is not a valid URL`, { key: "base_url" });
    }
  }
  delete c.baseUrl;
  // The Python edition's network backends flush their buffer every flush_interval seconds.
  if (
    (c.type === "rest_api" || c.type === "websocket") && typeof c.flushInterval === "number" &&
    c.batchTimeout === undefined
  ) {
    c.batchTimeout = c.flushInterval;
  }
  if (c.type === "rest_api" && c.timeout !== undefined && c.timeoutSeconds === undefined) {
    c.timeoutSeconds = c.timeout;
  }
  if (isPlainObject(c.retry) && (c.type === "rest_api")) {
    const r = camelize(c.retry);
    if (r.maxAttempts !== undefined && c.retryCount === undefined) c.retryCount = r.maxAttempts;
    if (r.backoffMultiplier !== undefined && c.retryBackoffFactor === undefined) {
      c.retryBackoffFactor = r.backoffMultiplier;
    }
    if (r.baseDelay !== undefined && c.retryBaseDelay === undefined) c.retryBaseDelay = r.baseDelay;
    if (r.maxDelay !== undefined && c.retryMaxDelay === undefined) c.retryMaxDelay = r.maxDelay;
    if (r.jitter !== undefined && c.retryJitter === undefined) c.retryJitter = r.jitter;
  }
  if (isPlainObject(c.security) && (c.type === "rest_api" || c.type === "websocket")) {
    const s = camelize(c.security);
    const token = typeof s.apiKey === "string" && s.apiKey !== ""
      ? s.apiKey
      : typeof s.oauth2Token === "string" && s.oauth2Token !== ""
      ? s.oauth2Token
      : undefined;
    if (token !== undefined) {
      const headers = isPlainObject(c.headers) ? { ...c.headers } : {};
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
        headers.Authorization = `Bearer ${token}`;
      }
      c.headers = headers;
    }
    if (c.type === "rest_api") {
      if (typeof s.verifySsl === "boolean" && c.verifySsl === undefined) c.verifySsl = s.verifySsl;
      if (typeof s.caCertPath === "string" && c.caCert === undefined) c.caCert = s.caCertPath;
      if (typeof s.tlsCertPath === "string" && c.clientCert === undefined) c.clientCert = s.tlsCertPath;
      if (typeof s.tlsKeyPath === "string" && c.clientKey === undefined) c.clientKey = s.tlsKeyPath;
    }
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
  const at = index === undefined ? "backend" : `backends[${index}]`;
  if (!isPlainObject(config)) {
    throw configError(at, `expected an object, got ${describeValue(config)}`, { given: describeValue(config) });
  }
  const c = camelize(config);
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
    out.level = c.level === undefined ? 0 : checkValue(where, "level", COMMON.level, c.level) as number;
    out.enabled = c.enabled === undefined ? true : checkValue(where, "enabled", COMMON.enabled, c.enabled) as boolean;
    out.name = typeof c.name === "string" ? c.name : type;
    return out;
  }
  for (const k of Object.keys(c)) {
    if (IGNORED_BACKEND_KEYS.has(k) && !(k in schema)) continue;
    const spec = schema[k];
    if (spec === undefined) {
      const guess = didYouMean(k, Object.keys(schema));
      throw configError(where, `unknown key "${k}"${guess ? `; did you mean "${guess}"?` : ""}`, { key: k }, [
        `Keys of a ${type} backend: ${Object.keys(schema).join(", ")}`,
      ]);
    }
    if (c[k] === undefined || c[k] === null) continue;
    out[k] = checkValue(where, k, spec, c[k]);
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
  if (c.level === undefined && c.defaultLevel !== undefined) c.level = c.defaultLevel;
  delete c.defaultLevel;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(c)) {
    if (IGNORED_LOGGER_KEYS.has(k)) continue;
    const spec = LOGGER_SCHEMA[k];
    if (spec === undefined) {
      const guess = didYouMean(k, Object.keys(LOGGER_SCHEMA));
      throw configError("config", `unknown key "${k}"${guess ? `; did you mean "${guess}"?` : ""}`, { key: k }, [
        `Keys of a logger config: ${Object.keys(LOGGER_SCHEMA).join(", ")}`,
      ]);
    }
    if (c[k] === undefined || c[k] === null) continue;
    out[k] = checkValue("config", k, spec, c[k]);
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
    sensitiveFields: sanitize ? out.sensitiveFields as string[] : [],
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
