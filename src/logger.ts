import { whileReplacing } from "./_succession.ts";
import { BaseBackend } from "./backends/base.ts";
import type { LoggerConfigInput } from "./config/config.ts";
import { normalizeLoggerConfig } from "./config/_schema.ts";
import { currentContext, mergeCall, mergeContext, runWithContext } from "./context.ts";
import { gate } from "./_level_gate.ts";
import { Core, Seed } from "./_logger_core.ts";
import { type LoggerStats, statsOf } from "./_logger_stats.ts";
import { BackendSet, categoryName, registry, settleAll } from "./_registry.ts";
import { describeValue, type LevelInput, parseLevel } from "./levels.ts";
import { captureSource, EMPTY_CONTEXT, LogEntry, preciseNow } from "./record.ts";
import { describeError, reportOnce } from "./report.ts";

export { getGlobalConfig, setGlobalConfig, shutdownAll } from "./_global_config.ts";
export type { LoggerStats } from "./_logger_stats.ts";

/**
 * Structured fields of a record (the seed's keyword arguments).
 *
 * @example
 * ```ts
 * import type { LogContext } from "@jinpy/logger";
 * const ctx: LogContext = { backend_type: "FileBackend", healthy: true };
 * ```
 */
export type LogContext = Record<string, unknown>;
type Context = LogContext;
const EMPTY: Context = EMPTY_CONTEXT;

/** Records logged while another record is being handed to backends (a `toJSON` or getter that logs). */
const pending: [Core, LogEntry][] = [];
/** Most records queued that way per outermost log call; more are dropped and counted. */
const MAX_PENDING = 10_000;
let dispatching = false;

/** Hands on, in order, the records logged while another was being dispatched. */
function dispatchPending(): void {
  for (let i = 0; i < pending.length; i++) dispatch(pending[i][0], pending[i][1]);
  pending.length = 0;
}

/** Hands one record to every sink of a core; a sink that throws is counted, never rethrown. */
function dispatch(core: Core, entry: LogEntry): void {
  const sinks = core.sinks;
  for (let i = 0; i < sinks.length; i++) {
    try {
      sinks[i].handle(entry);
    } catch (e) {
      core.backendErrors++;
      const b = core.backends[i];
      if (b instanceof BaseBackend) b.recordFailure(e);
      else reportOnce(`logger:backend:${i}`, `backend ${i} of logger "${core.name}" threw: ${describeError(e)}`);
    }
  }
}

/**
 * A named logger. Create one with {@link getLogger}. Log calls never throw
 * and never wait on I/O; a level below the logger's costs an empty call.
 *
 * @example
 * ```ts
 * import { getLogger } from "@jinpy/logger";
 * const logger = getLogger("app");
 * logger.info("Backend health", { backend_type: "FileBackend", healthy: true });
 * const request = logger.bind({ request_id: "r-1" });
 * request.warning("slow", { ms: 1200 });
 * await logger.flush();
 * ```
 */
export class Logger {
  /** The logger's name (`logger_name` on the wire): its category, dotted. */
  readonly name: string;
  #core: Core;
  #bound: Context | undefined;
  /** Made by `bind`: the backends belong to the parent. */
  #child = false;

  /**
   * Loggers are made by {@link getLogger}; this constructor is for
   * subclasses and tests. A logger made here is not cached under its name.
   *
   * @param name The logger's name (dotted, or an array of parts).
   * @param config Its config (any dialect); without one it follows its
   *   nearest configured ancestor, then the global config.
   */
  constructor(name: string | readonly string[], config?: LoggerConfigInput<string>) {
    if (config instanceof Seed) {
      this.name = config.core.name;
      this.#core = config.core;
      this.#bound = config.bound;
      this.#child = config.child;
      if (config.child) return;
    } else {
      this.name = categoryName(name);
      const core = new Core(this.name);
      if (config !== undefined) {
        core.own = new BackendSet(normalizeLoggerConfig(config), true);
        core.pinned = true;
      }
      registry.resolve(core);
      this.#core = core;
      this.#bound = undefined;
    }
    this.#core.owner = this;
    // Subclasses keep their own level methods; children made by `bind` compare.
    if (new.target === Logger) {
      this.#core.gated = this;
      gate(this, this.#core.threshold);
    }
  }

  /** Logs at TRACE. */
  trace(message: string, context?: LogContext): void {
    if (5 >= this.#core.threshold) this.#emit(5, message, context);
  }
  /** Logs at DEBUG. */
  debug(message: string, context?: LogContext): void {
    if (10 >= this.#core.threshold) this.#emit(10, message, context);
  }
  /** Logs at INFO. */
  info(message: string, context?: LogContext): void {
    if (20 >= this.#core.threshold) this.#emit(20, message, context);
  }
  /** Logs at WARNING. */
  warning(message: string, context?: LogContext): void {
    if (30 >= this.#core.threshold) this.#emit(30, message, context);
  }
  /** Alias of {@link Logger.warning}. */
  warn(message: string, context?: LogContext): void {
    if (30 >= this.#core.threshold) this.#emit(30, message, context);
  }
  /** Logs at ERROR. */
  error(message: string, context?: LogContext): void {
    if (40 >= this.#core.threshold) this.#emit(40, message, context);
  }
  /** Logs at CRITICAL. */
  critical(message: string, context?: LogContext): void {
    if (50 >= this.#core.threshold) this.#emit(50, message, context);
  }
  /** Alias of {@link Logger.critical}. */
  fatal(message: string, context?: LogContext): void {
    if (50 >= this.#core.threshold) this.#emit(50, message, context);
  }

  /**
   * Logs at any level. An unknown level is reported once and logged at ERROR,
   * so the record is not lost.
   */
  log(level: LevelInput, message: string, context?: LogContext): void {
    let n: number;
    try {
      n = parseLevel(level);
    } catch (e) {
      reportOnce(`logger:level:${describeValue(level)}`, `log() got ${describeError(e)}; logging at ERROR`);
      n = 40;
    }
    if (n >= this.#core.threshold) this.#emit(n, message, context);
  }

  #emit(level: number, message: string, context: Context | undefined): void {
    const core = this.#core;
    try {
      if (core.closing !== undefined) {
        core.droppedAfterShutdown++;
        reportOnce(
          `logger:${this.name}:closed`,
          `logger "${this.name}" was shut down; records logged after it are dropped and counted (said once, for the first such logger)`,
          "logger:closed",
          1,
        );
        return;
      }
      let ctx: Context = context === undefined || context === null
        ? EMPTY
        : typeof context === "object"
        ? context
        : { value: context };
      const implicit = currentContext();
      if (core.baseContext !== undefined || this.#bound !== undefined || implicit !== undefined) {
        ctx = mergeCall(core.baseContext, this.#bound, implicit, ctx);
      }
      const entry = new LogEntry(level, message, this.name, ctx, core.correlationId, preciseNow(), core.serializer);
      if (core.wantSource) captureSource(entry);
      if (dispatching) {
        // Logged while a record is being serialized or written: it lands
        // right after that record, so no backend is ever re-entered.
        if (pending.length >= MAX_PENDING) {
          core.droppedReentrant++;
          reportOnce(
            "logger:reentrant",
            `more than ${MAX_PENDING} records were logged while one record was being written; the rest are dropped and counted`,
          );
          return;
        }
        core.logged++;
        pending.push([core, entry]);
        return;
      }
      core.logged++;
      // dispatch() catches what a sink throws, so the flag is reset below;
      // a fault of the logger itself resets it in the catch.
      dispatching = true;
      dispatch(core, entry);
      if (pending.length !== 0) dispatchPending();
      dispatching = false;
    } catch (e) {
      pending.length = 0;
      dispatching = false;
      reportOnce(`logger:${this.name}:internal`, `logger "${this.name}" could not log a record: ${describeError(e)}`);
    }
  }

  /**
   * A child logger with `context` merged into every record; it shares the
   * backends, level and correlation id. Shutting a child down (or leaving
   * its `await using` scope) only flushes: the backends stay the parent's.
   * Never throws: fields that cannot be read become markers.
   *
   * Where keys collide, the most specific wins: the log call's context,
   * then `withContext`, then `bind`, then the config's `context`.
   *
   * @param context Fields for every record of the child.
   * @returns The child logger.
   */
  bind(context: LogContext): Logger {
    return new Logger(this.name, new Seed(this.#core, mergeContext(this.#bound, context), true) as never);
  }

  /**
   * Alias of {@link Logger.bind}, by the name pino users know.
   *
   * @param context Fields for every record of the child.
   * @returns The child logger.
   */
  child(context: LogContext): Logger {
    return this.bind(context);
  }

  /**
   * Runs `fn` with `context` attached to every record logged inside it, by
   * any logger, across `await` (Deno, Bun, Node). Fields that cannot be read
   * become markers; it never throws on account of `context`.
   *
   * @param context Fields to attach.
   * @param fn The function to run.
   * @returns What `fn` returns; for a promise, one that settles the same way
   *   once the scope has ended (fingers-crossed discards what the scope held).
   */
  withContext<R>(context: LogContext, fn: () => R): R {
    return runWithContext(context, fn);
  }

  /**
   * Sets the logger's level. Loggers below it in the category tree that
   * have no level of their own follow it.
   */
  setLevel(level: LevelInput): void {
    const core = this.#core;
    core.ownLevel = parseLevel(level);
    registry.pin(core);
    if (registry.lookup(core.name) === core) registry.resolveAll();
    else registry.resolve(core);
  }

  /** The logger's level number. */
  getLevel(): number {
    return this.#core.level;
  }

  /** Whether a record at `level` would reach at least one backend. */
  isEnabledFor(level: LevelInput): boolean {
    try {
      return parseLevel(level) >= this.#core.threshold;
    } catch {
      return false;
    }
  }

  /** Sets the correlation id of every following record (`null` clears it). */
  setCorrelationId(id: string | null): void {
    this.#core.correlationId = id === null || id === undefined ? null : String(id);
    registry.pin(this.#core);
  }

  /** The current correlation id, or null. */
  getCorrelationId(): string | null {
    return this.#core.correlationId;
  }

  /** The backends of this logger (its own, or those it follows). */
  getBackends(): BaseBackend[] {
    return [...this.#core.backends];
  }

  /**
   * Counters of the logger and each backend. Loggers on the global config
   * share its backends, so their backend counters are shared too, and start
   * again when `setGlobalConfig` replaces the backends. A backend with
   * filters also shows `sampledOut`, `rateLimited`, `suppressed` and `held`.
   */
  getStats(): LoggerStats {
    return statsOf(this.#core);
  }

  /** Resolves when every backend has written what it took so far. */
  async flush(): Promise<void> {
    await settleAll(this.#core.sinks, (b) => b.flush(), this.name);
  }

  /**
   * Flushes and shuts down every backend. Idempotent: later calls return the
   * same promise. Records logged afterwards are dropped and counted. On a
   * child made with `bind` it only flushes. Loggers on the global config
   * share its backends: the last of them to shut down closes them. Loggers
   * that followed this one's backends move to the next configured ancestor.
   */
  shutdown(): Promise<void> {
    if (this.#child) return this.flush();
    const core = this.#core;
    if (core.closing === undefined) {
      const set = core.set;
      core.closing = Promise.resolve();
      registry.remove(core);
      if (core.own !== undefined) {
        // Followers move away first, then the backends close.
        registry.resolveAll();
        const own = core.own;
        core.closing = (set !== undefined && set !== own ? registry.leave(set, this.name) : Promise.resolve())
          .then(() => own.shutdown(this.name));
      } else if (set !== undefined) core.closing = registry.leave(set, this.name);
    }
    return core.closing;
  }

  /** Alias of {@link Logger.shutdown}. */
  close(): Promise<void> {
    return this.shutdown();
  }

  /** `await using logger = getLogger(…)` shuts it down at scope end. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/**
 * The logger of a category. Dotted names and arrays name the same logger:
 * `getLogger("app.db") === getLogger(["app", "db"])`.
 *
 * Without `config`: the cached logger of that name, or a new one that
 * follows its nearest configured ancestor (a logger made with a config, a
 * `setLevel`, or an entry of the global config's `loggers`), then the global
 * config (a console backend at INFO when none is set). Such loggers share
 * their backends and are not kept alive by the cache: use `bind()` for
 * per-request fields rather than per-request names.
 *
 * With `config`: the logger gets its own backends. Called again for the
 * same name, it reconfigures that logger in place: references held
 * elsewhere keep working, the old backends are flushed and closed, nothing
 * already logged is dropped.
 *
 * @param name The logger's category: `"app.db"` or `["app", "db"]`.
 * @param config Its config: ours, snake_case, or a Python 0.2.0 dump.
 * @returns The logger.
 * @throws {LoggerConfigurationError} When the config is invalid (the logger is then unchanged).
 *
 * @example
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 * const logger = getLogger("console_app", {
 *   backends: [{ type: "console", level: LogLevel.DEBUG, useColors: true }],
 * });
 * logger.info("This will be colored and formatted nicely");
 * getLogger(["console_app", "db"]).debug("follows console_app's backends");
 * ```
 */
export function getLogger<T extends string = never>(
  name: string | readonly string[],
  config?: LoggerConfigInput<T>,
): Logger {
  const key = categoryName(name);
  const cached = registry.lookup(key) as Core | undefined;
  if (config === undefined) {
    if (cached?.owner !== undefined) return cached.owner;
    const core = new Core(key);
    registry.resolve(core);
    const logger = new Logger(key, new Seed(core, undefined, false) as never);
    registry.add(core);
    return logger;
  }
  // Build first: an invalid config or an unwritable path changes nothing.
  // The new backends succeed the old ones (a spool is handed over).
  const set = whileReplacing(cached?.own?.backends, () => new BackendSet(normalizeLoggerConfig(config), true));
  if (cached?.owner !== undefined) {
    registry.configure(cached, set).catch(() => {});
    return cached.owner;
  }
  const core = new Core(key);
  core.own = set;
  core.pinned = true;
  registry.resolve(core);
  const logger = new Logger(key, new Seed(core, undefined, false) as never);
  registry.add(core);
  registry.resolveAll();
  return logger;
}
