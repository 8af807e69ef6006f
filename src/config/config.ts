import type { LevelInput } from "../levels.ts";
import type { ConsoleBackendConfig } from "../backends/console_options.ts";
import type { FileBackendConfig } from "../backends/file_options.ts";
import type { PayloadFormat, RestApiBackendConfig } from "../backends/rest_options.ts";
import type { WebSocketBackendConfig } from "../backends/websocket_options.ts";

export type { ConsoleBackendConfig, FileBackendConfig, PayloadFormat, RestApiBackendConfig, WebSocketBackendConfig };

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
 * The backend types built in: their keys are checked by type.
 *
 * @example
 * ```ts
 * import type { BuiltinBackendType } from "@jinpy/logger";
 * const type: BuiltinBackendType = "rest_api";
 * ```
 */
export type BuiltinBackendType = "console" | "file" | "rest_api" | "websocket";

/**
 * A backend type registered by the application, with its own keys. `T` is
 * its type name; a built-in name is not a custom type, so its keys are
 * checked against the built-in backend instead.
 *
 * @example
 * ```ts
 * import type { CustomBackendConfig } from "@jinpy/logger";
 * const custom: CustomBackendConfig = { type: "custom", level: "INFO", custom_param: "value" };
 * ```
 */
export interface CustomBackendConfig<T extends string = string> extends Omit<BackendConfigBase, "type"> {
  /** The registered type name. */
  type: T extends BuiltinBackendType ? never : T;
  /** Any further keys, kept as given on the backend's `config`. */
  [key: string]: unknown;
}

/**
 * A backend in the Python edition's dump dialect (`backend_type`, …),
 * validated at run time.
 *
 * @example
 * ```ts
 * import type { PythonBackendConfig } from "@jinpy/logger";
 * const console: PythonBackendConfig = { backend_type: "console", colors: true };
 * ```
 */
export interface PythonBackendConfig {
  /** The backend type. */
  backend_type: string;
  /** Not given in this dialect (`backend_type` names the type). */
  type?: never;
  /** Any further keys of the Python edition. */
  [key: string]: unknown;
}

/**
 * `camelCase` → `snake_case`, as a type.
 *
 * @example
 * ```ts
 * import type { SnakeCase } from "@jinpy/logger";
 * const key: SnakeCase<"maxSizeMb"> = "max_size_mb";
 * ```
 */
export type SnakeCase<S extends string> = S extends `${infer C}${infer R}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<R>}`
  : S;

/**
 * `T` whose keys may also be written in the seed's snake_case
 * (`maxSizeMb` or `max_size_mb`); giving both spellings of a key is an
 * error at run time.
 *
 * @example
 * ```ts
 * import type { FileBackendConfig, WithSnakeCase } from "@jinpy/logger";
 * const file: WithSnakeCase<FileBackendConfig> = { type: "file", max_size_mb: 5, backup_count: 2 };
 * ```
 */
export type WithSnakeCase<T> =
  & T
  & { [K in keyof T as K extends string ? SnakeCase<K> extends K ? never : SnakeCase<K> : never]?: T[K] };

/**
 * Any backend configuration: a built-in type with its own keys (camelCase or
 * snake_case; a misspelled key or value fails type checking), a custom type
 * `T`, or the Python edition's dialect.
 *
 * @example
 * ```ts
 * import type { BackendConfig } from "@jinpy/logger";
 * const backends: BackendConfig[] = [{ type: "console" }, { type: "file", file_path: "logs/app.log" }];
 * ```
 */
export type BackendConfig<T extends string = never> =
  | WithSnakeCase<ConsoleBackendConfig>
  | WithSnakeCase<FileBackendConfig>
  | WithSnakeCase<RestApiBackendConfig>
  | WithSnakeCase<WebSocketBackendConfig>
  | CustomBackendConfig<T>
  | PythonBackendConfig;

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
export interface LoggerConfig<T extends string = never> {
  /** Lowest level logged. Default `"info"`. */
  level?: LevelInput;
  /** Backends; a console backend when not given. */
  backends?: BackendConfig<T>[];
  /** Context added to every record. */
  context?: Record<string, unknown>;
  /**
   * Words that make a context key (and a URL query parameter) secret, added to the built-in ones: password, passwd,
   * pwd, passphrase, secret, token, key, apikey, auth, authorization, cookie, credential(s), session id, sessionid,
   * jwt, bearer, signature. Matched as whole words of the key (split on case changes, digits, `_`, `-`, `.`, spaces).
   */
  sensitiveFields?: string[];
  /** `false` turns all redaction of keys off. Default `true`. */
  enableSanitization?: boolean;
  /** Regular expressions over message text to redact, e.g. `"password=\\S+"`; run in the log call, so keep them simple. */
  redactPatterns?: (string | RegExp)[];
  /** Most characters of serialized context per record. Default 10000. */
  maxContextSize?: number;
  /** Most characters of a message. Default 1048576. */
  maxMessageLength?: number;
  /**
   * Application name: OTLP resource `service.name` (else `unknown_service`), Loki stream label `app`, field `app_name`
   * of NDJSON and Elasticsearch documents.
   */
  appName?: string;
  /** Deployment environment: OTLP `deployment.environment.name`, Loki label `env`, field `environment` of documents. */
  environment?: string;
  /** Application version: OTLP `service.version`, field `version` of documents. */
  version?: string;
  /**
   * Per category (dotted name): `level`, `backends` and `context` for that
   * logger and its descendants, e.g. `{ "app.db": { level: "debug" } }`.
   * Used by `setGlobalConfig`.
   */
  loggers?: Record<string, LoggerConfig<T>>;
  /**
   * Whether SIGTERM, SIGINT and SIGHUP that the application does not handle
   * itself flush every backend (for at most 3 s) and then end the process
   * with status 128 + the signal number. Default `true`; `false` anywhere
   * turns it off for the process.
   */
  handleSignals?: boolean;
}

/**
 * Anything accepted as a logger config: ours (camelCase or the seed's
 * snake_case keys, checked by type), or a Python 0.2.0 `GlobalLoggerConfig`
 * dump (JSON is `any` and checked at run time).
 *
 * @example
 * ```ts
 * import type { LoggerConfigInput } from "@jinpy/logger";
 * const fromPython: LoggerConfigInput = { default_level: "info", backends: [{ backend_type: "console" }] };
 * const seed: LoggerConfigInput = { level: "debug", backends: [{ type: "file", max_size_mb: 5 }] };
 * ```
 */
export type LoggerConfigInput<T extends string = never> = WithSnakeCase<LoggerConfig<T>> | PythonLoggerConfig;

/**
 * A logger config in the Python edition's dump dialect (`default_level`, …),
 * validated at run time.
 *
 * @example
 * ```ts
 * import type { PythonLoggerConfig } from "@jinpy/logger";
 * const config: PythonLoggerConfig = { default_level: "INFO", backends: [] };
 * ```
 */
export interface PythonLoggerConfig {
  /** The Python edition's name of `level`. */
  default_level: unknown;
  /** Any further keys of the Python edition. */
  [key: string]: unknown;
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
  /** Every word that makes a key secret, the built-in ones first ([] when sanitization is off). */
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
