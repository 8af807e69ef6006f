import { whileReplacing } from "./_succession.ts";
import { type BackendInterface, type BackendStats, BaseBackend } from "./backends/base.ts";
import type { LoggerConfigInput, NormalizedLoggerConfig } from "./config/config.ts";
import { normalizeLoggerConfig } from "./config/_schema.ts";
import { contextFields, currentContext, mergeCall, mergeContext, runWithContext } from "./context.ts";
import { BackendSet, categoryName, type Member, registry, settleAll } from "./_registry.ts";
import { describeValue, type LevelInput, parseLevel } from "./levels.ts";
import { captureSource, EMPTY_CONTEXT, LogEntry, preciseNow } from "./record.ts";
import { describeError, reportOnce } from "./report.ts";
import { Serializer } from "./serialize.ts";

/**
 * Counters of a logger and each of its backends.
 *
 * @example
 * ```ts
 * import { getLogger, type LoggerStats } from "@jinpy/logger";
 * const stats: LoggerStats = getLogger("app").getStats();
 * console.log(stats.messagesLogged, stats.messagesDropped);
 * ```
 */
export interface LoggerStats {
  /** Records accepted by the logger (at or above its level). */
  messagesLogged: number;
  /** Records dropped anywhere: by backends, or logged after shutdown. */
  messagesDropped: number;
  /** Records a backend failed to write. */
  messagesFailed: number;
  /** Records left out by backends' filters (`sample`, `rateLimit`, `fingersCrossed` discards). */
  messagesFiltered: number;
  /** Exceptions thrown by backends' `handle`, isolated from the caller. */
  backendErrors: number;
  /** Per backend: name, type, health and its counters. */
  backends: (BackendStats & { name: string; type: string; healthy: boolean })[];
}

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

/**
 * State shared by a logger and the children made with `bind`; the registry
 * points it at the backends and level it follows.
 */
class Core implements Member {
  readonly name: string;
  own: BackendSet | undefined = undefined;
  ownLevel: number | undefined = undefined;
  pinned = false;
  set: BackendSet | undefined = undefined;
  level = 20;
  /** The lowest level any path takes: max(logger level, lowest backend level). */
  threshold = 0;
  backends: BaseBackend[] = [];
  /** What records are handed to: the backends, or the backends behind their filters. */
  sinks: BackendInterface[] = [];
  serializer: Serializer = new Serializer();
  baseContext: Context | undefined = undefined;
  correlationId: string | null = null;
  wantSource = false;
  logged = 0;
  droppedAfterShutdown = 0;
  droppedReentrant = 0;
  backendErrors = 0;
  closing: Promise<void> | undefined = undefined;
  /** The logger `getLogger` returns for this name; its level methods are gated on `threshold`. */
  owner: Logger | undefined = undefined;
  gated: Logger | undefined = undefined;
  #config: NormalizedLoggerConfig | undefined = undefined;

  constructor(name: string) {
    this.name = name;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  use(set: BackendSet, level: number): void {
    const config = set.config;
    if (config !== this.#config) {
      this.#config = config;
      this.serializer = new Serializer(config);
      this.baseContext = Object.keys(config.context).length > 0 ? contextFields(config.context) : undefined;
    }
    this.level = level;
    this.backends = set.backends;
    this.sinks = set.sinks;
    this.wantSource = set.backends.some((b) => b.config.showSource === true);
    this.threshold = thresholdOf(this);
    if (this.gated !== undefined) gate(this.gated, this.threshold);
  }
}

/** Passed to the constructor by `getLogger` and `bind` (never by users). */
class Seed {
  readonly core: Core;
  readonly bound: Context | undefined;
  readonly child: boolean;
  constructor(core: Core, bound: Context | undefined, child: boolean) {
    this.core = core;
    this.bound = bound;
    this.child = child;
  }
}

type LevelMethod = (message: string, context?: LogContext) => void;
const LEVEL_METHODS: readonly (readonly [string, number])[] = [
  ["trace", 5],
  ["debug", 10],
  ["info", 20],
  ["warning", 30],
  ["warn", 30],
  ["error", 40],
  ["critical", 50],
  ["fatal", 50],
];
const skipRecord: LevelMethod = () => {};

/**
 * Gives a logger own level methods: the class's where the level is enabled,
 * a shared no-op below the threshold. A disabled call then costs what an
 * empty function call costs, with no comparison at all.
 */
function gate(logger: Logger, threshold: number): void {
  const own = logger as unknown as Record<string, LevelMethod>;
  const proto = Logger.prototype as unknown as Record<string, LevelMethod>;
  for (const [name, level] of LEVEL_METHODS) {
    const method = level >= threshold ? proto[name] : skipRecord;
    if (Object.hasOwn(own, name)) own[name] = method;
    else Object.defineProperty(own, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}

function thresholdOf(core: Core): number {
  let lowest = Infinity;
  for (const b of core.backends) {
    if (b.config.enabled && b.level < lowest) lowest = b.level;
  }
  return Math.max(core.level, lowest);
}

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
    const core = this.#core;
    const set = core.set;
    let filtered = 0;
    const backends = core.backends.map((b, i) => {
      const stats: BackendStats & { name: string; type: string; healthy: boolean } = {
        ...b.getStats(),
        name: b.name,
        type: b.config.type,
        healthy: b.isHealthy(),
      };
      const filter = set?.backends === core.backends ? set.filterOf(i) : undefined;
      if (filter !== undefined) {
        const c = filter.counters();
        Object.assign(stats, c);
        filtered += c.sampledOut + c.rateLimited + c.suppressed;
      }
      return stats;
    });
    let dropped = core.droppedAfterShutdown + core.droppedReentrant;
    let failed = 0;
    for (const s of backends) {
      dropped += s.messagesDropped;
      failed += s.messagesFailed;
    }
    return {
      messagesLogged: core.logged,
      messagesDropped: dropped,
      messagesFailed: failed,
      messagesFiltered: filtered,
      backendErrors: core.backendErrors,
      backends,
    };
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

/**
 * Sets the config used by loggers created without one, and moves the loggers
 * that already follow it onto the new config. `loggers` sets the level (and
 * optionally backends and context) of categories and their descendants.
 *
 * @param config The config (any dialect).
 * @throws {LoggerConfigurationError} When the config is invalid (nothing changes then).
 *
 * @example
 * ```ts
 * import { getLogger, setGlobalConfig } from "@jinpy/logger";
 * setGlobalConfig({
 *   level: "info",
 *   backends: [{ type: "console", format: "json" }],
 *   loggers: { "app.db": { level: "debug" }, "noisy.lib": { level: "warning" } },
 * });
 * getLogger("app.db.pool").debug("connected"); // written: app.db is at DEBUG
 * ```
 */
export function setGlobalConfig<T extends string = never>(config: LoggerConfigInput<T>): void {
  registry.setGlobal(normalizeLoggerConfig(config));
}

/**
 * The global config, normalized, or undefined when none was set.
 *
 * @example
 * ```ts
 * import { getGlobalConfig } from "@jinpy/logger";
 * console.log(getGlobalConfig()?.level);
 * ```
 */
export function getGlobalConfig(): NormalizedLoggerConfig | undefined {
  return registry.globalConfig;
}

/**
 * Flushes and shuts down every cached logger and the global config's
 * backends.
 *
 * @example
 * ```ts
 * import { getLogger, shutdownAll } from "@jinpy/logger";
 * getLogger("app").info("bye");
 * await shutdownAll();
 * ```
 */
export async function shutdownAll(): Promise<void> {
  await Promise.all(registry.members().map((m) => (m as Core).owner?.shutdown()));
  await registry.shutdownShared();
}
