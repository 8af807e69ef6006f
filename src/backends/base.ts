import type { NormalizedBackendConfig } from "../config/config.ts";
import type { Format } from "../config/_keys.ts";
import { BACKEND_SCHEMAS, normalizeBackendConfig } from "../config/_schema.ts";
import { LoggerBackendError } from "../errors.ts";
import { textFormatter } from "../format.ts";
import type { LogEntry } from "../record.ts";
import { secretSafeUrl } from "../_url.ts";
import { describeError, registerSecret, reportOnce, scrub } from "../report.ts";
import { REDACTED } from "../serialize.ts";

/**
 * What every backend does: take records, flush, shut down, say whether it is
 * healthy.
 *
 * @example
 * ```ts
 * import type { BackendInterface, LogEntry } from "@jinpy/logger";
 * const lines: string[] = [];
 * const memory: BackendInterface = {
 *   handle: (entry: LogEntry) => void lines.push(entry.toJson()),
 *   flush: async () => {},
 *   shutdown: async () => {},
 *   isHealthy: () => true,
 * };
 * ```
 */
export interface BackendInterface {
  /** Takes one record; never waits on I/O. */
  handle(entry: LogEntry): void;
  /** Resolves when everything taken so far is written or delivered. */
  flush(): Promise<void>;
  /** Flushes and releases resources; idempotent. */
  shutdown(): Promise<void>;
  /** Whether the backend is currently working. */
  isHealthy(): boolean;
}

/**
 * Counters of one backend.
 *
 * @example
 * ```ts
 * import { ConsoleBackend, type BackendStats } from "@jinpy/logger";
 * const stats: BackendStats = new ConsoleBackend({ type: "console" }).getStats();
 * console.log(stats.messagesWritten);
 * ```
 */
export interface BackendStats {
  /** Records written or delivered. */
  messagesWritten: number;
  /** Records that failed to be written. */
  messagesFailed: number;
  /** Records dropped (queue overflow, undeliverable, after shutdown). */
  messagesDropped: number;
  /** Bytes written or sent. */
  bytesWritten: number;
  /** The last error, scrubbed of secrets, or null. */
  lastError: string | null;
  /** Further counters of a specific backend. */
  [counter: string]: number | string | boolean | null;
}

/**
 * The base of every backend. Subclasses override `write` (called with the
 * formatted record) or `handle`, and `flush`/`shutdown` when they buffer.
 *
 * @example
 * ```ts
 * import { BackendFactory, BaseBackend, getLogger, type LogEntry } from "@jinpy/logger";
 *
 * class CustomBackend extends BaseBackend {
 *   sent: string[] = [];
 *   override handle(entry: LogEntry): void {
 *     if (this.shouldHandle(entry)) this.sent.push(this.formatEntry(entry));
 *   }
 *   override async shutdown(): Promise<void> {}
 * }
 * BackendFactory.registerBackendType("custom", CustomBackend);
 * const logger = getLogger("custom_app", {
 *   backends: [{ type: "custom", level: "INFO", custom_param: "value" }],
 * });
 * logger.info("to the custom destination");
 * ```
 */
export abstract class BaseBackend implements BackendInterface {
  /** The normalized config, including any custom keys as given. */
  readonly config: NormalizedBackendConfig;
  /** The backend's name (config `name`, else its type). */
  readonly name: string;
  /** Lowest level taken (0 = all). */
  readonly level: number;
  /** Counters; subclasses add their own keys. */
  protected readonly stats: BackendStats = {
    messagesWritten: 0,
    messagesFailed: 0,
    messagesDropped: 0,
    bytesWritten: 0,
    lastError: null,
  };
  /** Whether the backend currently works. */
  protected healthy = true;
  /** The formatter of `config.format` (JSON when not set). */
  protected formatter: (entry: LogEntry) => string;

  /**
   * Creates the backend.
   *
   * @param config The backend's config, normalized here if it is not yet.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    this.config = normalizeBackendConfig(config);
    this.name = this.config.name;
    this.level = this.config.level;
    registerSecrets(this.config, BACKEND_SCHEMAS[this.config.type] ?? {});
    if (typeof this.config.endpoint === "string") {
      // Registers the endpoint's password and tokens, so no report or error shows them.
      try {
        secretSafeUrl(this.config.endpoint);
      } catch {
        // Not a URL: the backend reports that itself.
      }
    }
    // Built-in types have these keys filled from their key tables; a custom type may leave them out.
    const { format, timestampFormat } = this.config;
    this.formatter = textFormatter({
      format: typeof format === "string" ? format as Format : "json",
      timestampFormat: typeof timestampFormat === "string" ? timestampFormat : undefined,
      useColors: false,
      showSource: this.config.showSource === true,
    });
  }

  /**
   * Takes one record: when `shouldHandle`, passes `formatEntry(entry)` to
   * `write`.
   */
  handle(entry: LogEntry): void {
    if (this.shouldHandle(entry)) this.write(this.formatEntry(entry), entry);
  }

  /**
   * Delivers one formatted record. Backends that do not override `handle`
   * must override this.
   */
  protected write(_formatted: string, _entry: LogEntry): void {
    throw new LoggerBackendError(`${this.constructor.name} must override handle() or write()`, {
      details: { backend: this.name },
    });
  }

  /** The record in this backend's format (JSON by default). */
  formatEntry(entry: LogEntry): string {
    return this.formatter(entry);
  }

  /** Whether this backend takes the record: enabled and at or above its level. */
  shouldHandle(entry: LogEntry): boolean {
    return this.config.enabled && entry.level >= this.level;
  }

  /** Whether writes happen off the logging path. */
  isAsyncEnabled(): boolean {
    return this.config.asyncEnabled !== false;
  }

  /** Whether the backend currently works. */
  isHealthy(): boolean {
    return this.healthy;
  }

  /** A copy of the counters, plus `healthy`. */
  getStats(): BackendStats {
    return { ...this.stats, healthy: this.healthy };
  }

  /** Resolves when everything taken so far is written. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Flushes and releases resources. */
  shutdown(): Promise<void> {
    return this.flush();
  }

  /**
   * A description for `JSON.stringify`: type, name, config and counters,
   * with secret settings redacted — the schema's secret keys (headers, keys,
   * tokens) and, for custom keys, any whose name looks secret (`api_key`,
   * `password`, `headers`, …) — and `endpoint` in its display-safe form:
   * no password, and token-like path segments and query values masked.
   */
  toJSON(): Record<string, unknown> {
    const schema = BACKEND_SCHEMAS[this.config.type] ?? {};
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.config)) {
      const secret = schema[key] !== undefined ? schema[key].secret === true : SECRET_KEY.test(key);
      config[key] = secret ? redacted(value) : safeValue(value, 0);
    }
    if (typeof this.config.endpoint === "string") {
      try {
        config.endpoint = secretSafeUrl(this.config.endpoint).safeUrl;
      } catch {
        // Not a URL: the scrubbed text stands.
      }
    }
    return { type: this.config.type, name: this.name, config, stats: this.getStats() };
  }

  /** What `util.inspect` (and so `console.log`) shows on Node and Bun: the redacted `toJSON()`. */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options: unknown) => string,
  ): unknown {
    const json = this.toJSON();
    return typeof inspect === "function" ? `${this.constructor.name} ${inspect(json, options)}` : json;
  }

  /** What Deno's `console.log` and `Deno.inspect` show: the redacted `toJSON()`. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: unknown) => string,
    options?: unknown,
  ): string {
    return `${this.constructor.name} ${inspect(this.toJSON(), options)}`;
  }

  /** `await using backend = …` shuts it down. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * Records a failure: counts `records` as failed, keeps the scrubbed error,
   * marks the backend unhealthy unless `stayHealthy`, and reports once per
   * kind of failure on stderr.
   */
  recordFailure(error: unknown, records = 1, stayHealthy = false): void {
    const text = describeError(error);
    this.stats.messagesFailed += records;
    this.stats.lastError = text;
    if (!stayHealthy) this.healthy = false;
    const kind = `${this.constructor.name}:${errorKind(error)}`;
    reportOnce(`${this.name}:${kind}`, `${this.name} backend failed: ${text}`, kind);
  }

  /** Counts records dropped and reports the first drop of each reason once. */
  protected recordDrop(records: number, reason: string): void {
    if (records <= 0) return;
    this.stats.messagesDropped += records;
    reportOnce(
      `${this.name}:drop:${reason}`,
      `${this.name} backend dropped records: ${reason} (counted in getStats().messagesDropped)`,
      `drop:${reason}`,
    );
  }
}

/** Config key names whose values are credentials (for keys outside a backend's schema). */
const SECRET_KEY =
  /pass|secret|token|api[-_]?key|apikey|auth|credential|cookie|header|private|signature|session|(^|[a-z_-])key$/i;

/**
 * Registers the values of secret settings (the schema's secret keys, and custom keys whose name looks
 * secret, nested too), so that an error text or a report made from them shows "[REDACTED]" instead.
 */
function registerSecrets(config: Record<string, unknown>, schema: Record<string, { secret?: boolean }>): void {
  const visit = (value: unknown, secret: boolean, depth: number): void => {
    if (typeof value === "string") {
      if (secret) registerSecret(value);
      return;
    }
    if (typeof value !== "object" || value === null || depth > 3) return;
    const proto = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
    for (const [k, v] of Object.entries(value)) visit(v, secret || SECRET_KEY.test(k), depth + 1);
  };
  for (const [key, value] of Object.entries(config)) {
    visit(value, schema[key] !== undefined ? schema[key].secret === true : SECRET_KEY.test(key), 0);
  }
}

function redacted(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === "object") return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
  return REDACTED;
}

/** A config value for display: strings scrubbed, nested secret-looking keys redacted. */
function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrub(value);
  if (typeof value !== "object" || value === null || depth > 3) return value;
  if (Array.isArray(value)) return value.map((v) => safeValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? redacted(v) : safeValue(v, depth + 1);
  return out;
}

function errorKind(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.name;
  return typeof error;
}
