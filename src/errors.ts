import { scrub } from "./report.ts";

/**
 * Options shared by every {@link LoggerError}.
 *
 * @example
 * ```ts
 * import { LoggerError, type LoggerErrorOptions } from "@jinpy/logger";
 * const options: LoggerErrorOptions = { details: { key: "endpoint" } };
 * throw new LoggerError("endpoint missing", options);
 * ```
 */
export interface LoggerErrorOptions {
  /** Machine-readable code; each subclass has its own default. */
  code?: string;
  /** Structured facts about the failure (never secrets). */
  details?: Record<string, unknown>;
  /** What the user can do about it. */
  suggestions?: string[];
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The base of every error this package throws.
 *
 * @example
 * ```ts
 * import { LoggerError } from "@jinpy/logger";
 * try {
 *   throw new LoggerError("something failed", { suggestions: ["retry"] });
 * } catch (e) {
 *   if (e instanceof LoggerError) console.log(e.toJSON().code); // "LOGGER_ERROR"
 * }
 * ```
 */
export class LoggerError extends Error {
  /** Machine-readable code, e.g. `"LOGGER_CONFIGURATION_ERROR"`. */
  readonly code: string;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;
  /** What the user can do about it. */
  readonly suggestions: string[];

  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options Code, details, suggestions and cause.
   */
  constructor(message: string, options: LoggerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode(new.target.name);
    this.details = options.details ?? {};
    this.suggestions = options.suggestions ?? [];
  }

  /**
   * A plain object for logs and APIs.
   *
   * @returns name, code, message, details, suggestions and the cause's message.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: scrub(this.message),
      details: scrubbed(this.details, 0),
      suggestions: this.suggestions.map(scrub),
    };
    if (this.cause !== undefined) {
      out.cause = this.cause instanceof Error
        ? { name: this.cause.name, message: scrub(String(this.cause.message)) }
        : scrub(String(this.cause));
    }
    return out;
  }

  /** What `util.inspect` (and so `console.log`) shows on Node and Bun: the stack and `toJSON()`, scrubbed. */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options: unknown) => string,
  ): unknown {
    const { name: _n, message: _m, ...rest } = this.toJSON();
    const head = scrub(this.stack ?? `${this.name}: ${this.message}`);
    return typeof inspect === "function" ? `${head} ${inspect(rest, options)}` : { stack: head, ...rest };
  }

  /** What Deno's `console.log` and `Deno.inspect` show: the stack and `toJSON()`, scrubbed. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: unknown) => string,
    options?: unknown,
  ): string {
    const { name: _n, message: _m, ...rest } = this.toJSON();
    return `${scrub(this.stack ?? `${this.name}: ${this.message}`)} ${inspect(rest, options)}`;
  }
}

function scrubbed(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrub(value);
  if (typeof value !== "object" || value === null || depth > 3) return value;
  if (Array.isArray(value)) return value.map((v) => scrubbed(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubbed(v, depth + 1);
  return out;
}

function defaultCode(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/**
 * Invalid configuration: names the backend, the key, what was expected and
 * what was given.
 *
 * @example
 * ```ts
 * import { getLogger, LoggerConfigurationError } from "@jinpy/logger";
 * try {
 *   getLogger("app", { level: "loud" });
 * } catch (e) {
 *   console.log(e instanceof LoggerConfigurationError); // true
 * }
 * ```
 */
export class LoggerConfigurationError extends LoggerError {}

/**
 * A backend could not be created or could not write.
 *
 * @example
 * ```ts
 * import { LoggerBackendError } from "@jinpy/logger";
 * const error = new LoggerBackendError("disk full", { details: { backend: "file" } });
 * console.log(error.code); // "LOGGER_BACKEND_ERROR"
 * ```
 */
export class LoggerBackendError extends LoggerError {}

/**
 * A network backend could not reach its endpoint.
 *
 * @example
 * ```ts
 * import { LoggerConnectionError } from "@jinpy/logger";
 * console.log(new LoggerConnectionError("refused").code); // "LOGGER_CONNECTION_ERROR"
 * ```
 */
export class LoggerConnectionError extends LoggerError {}

/**
 * A security check failed: a wrong key, a tampered payload, a TLS problem.
 *
 * @example
 * ```ts
 * import { LoggerSecurityError } from "@jinpy/logger";
 * console.log(new LoggerSecurityError("bad tag").code); // "LOGGER_SECURITY_ERROR"
 * ```
 */
export class LoggerSecurityError extends LoggerError {}

/**
 * A WebSocket backend failure.
 *
 * @example
 * ```ts
 * import { LoggerWebSocketError } from "@jinpy/logger";
 * console.log(new LoggerWebSocketError("closed").code); // "LOGGER_WEB_SOCKET_ERROR"
 * ```
 */
export class LoggerWebSocketError extends LoggerError {}
