import { type BackendInterface, type BackendStats, BaseBackend } from "./backends/base.ts";
import type { LoggerConfigInput, NormalizedLoggerConfig } from "./config/config.ts";
import { normalizeLoggerConfig } from "./config/_schema.ts";
import { currentContext, runWithContext } from "./context.ts";
import { BackendFactory } from "./factory.ts";
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

/** Moves a logger that follows the global config onto a new set (set up inside the class). */
let moveToSet: (logger: Logger, set: BackendSet) => void;

/** Handed from `bind` to the constructor of the child. */
let childInit: { core: Core; bound: Context } | undefined;

/** State shared by a logger and the children made with `bind`. */
interface Core {
  level: number;
  /** The lowest level any path takes: max(logger level, lowest backend level). */
  threshold: number;
  backends: BackendInterface[];
  serializer: Serializer;
  baseContext: Context | undefined;
  correlationId: string | null;
  wantSource: boolean;
  logged: number;
  droppedAfterShutdown: number;
  backendErrors: number;
  closing: Promise<void> | undefined;
  /** The shared backends of the global config, for loggers that follow it. */
  shared: BackendSet | undefined;
  /** `setLevel` was called: a new global config keeps this level. */
  ownLevel: boolean;
  config: NormalizedLoggerConfig;
  /** The logger whose level methods are gated on `threshold` (see `gate`). */
  gated: Logger | undefined;
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

function setThreshold(core: Core): void {
  core.threshold = thresholdOf(core);
  if (core.gated !== undefined) gate(core.gated, core.threshold);
}

function thresholdOf(core: Core): number {
  let lowest = Infinity;
  for (const b of core.backends) {
    if (b instanceof BaseBackend) {
      if (b.config.enabled && b.level < lowest) lowest = b.level;
    } else lowest = 0;
  }
  return Math.max(core.level, lowest);
}

function buildBackends(config: NormalizedLoggerConfig): BaseBackend[] {
  const made: BaseBackend[] = [];
  try {
    config.backends.forEach((b, i) => made.push(BackendFactory.createBackend(b, i)));
  } catch (e) {
    for (const b of made) b.shutdown().catch(() => {});
    throw e;
  }
  return made;
}

/**
 * Backends built once from the global config and shared by every logger that
 * follows it, so fifty module loggers still mean one file, one queue, one
 * connection. Shut down when the last of them is, or when replaced.
 */
interface BackendSet {
  config: NormalizedLoggerConfig;
  backends: BaseBackend[];
  users: number;
}

let globalSet: BackendSet | undefined;

function currentGlobalSet(): BackendSet {
  if (globalSet === undefined) {
    const config = globalConfig ?? normalizeLoggerConfig({});
    globalSet = { config, backends: buildBackends(config), users: 0 };
  }
  return globalSet;
}

/** A logger stops using a shared set; the last one out shuts it down. */
function leaveSet(set: BackendSet, name: string): Promise<void> {
  set.users--;
  if (set.users > 0) return settleAll(set.backends, (b) => b.flush(), name);
  if (globalSet === set) globalSet = undefined;
  return settleAll(set.backends, (b) => b.shutdown(), name);
}

/** Points a core at a config and its backends (own, or a shared set). */
function applyConfig(core: Core, config: NormalizedLoggerConfig, backends: BaseBackend[], shared?: BackendSet): void {
  if (shared !== undefined) shared.users++;
  core.config = config;
  core.backends = backends;
  core.shared = shared;
  core.serializer = new Serializer(config);
  core.baseContext = Object.keys(config.context).length > 0 ? config.context : undefined;
  if (!core.ownLevel) core.level = config.level;
  core.wantSource = backends.some((b) => b.config.showSource === true);
  setThreshold(core);
}

function newCore(config: NormalizedLoggerConfig | undefined): Core {
  const shared = config === undefined ? currentGlobalSet() : undefined;
  const resolved = config ?? shared!.config;
  const core: Core = {
    level: resolved.level,
    threshold: 0,
    backends: [],
    serializer: undefined as unknown as Serializer,
    baseContext: undefined,
    correlationId: null,
    wantSource: false,
    logged: 0,
    droppedAfterShutdown: 0,
    backendErrors: 0,
    closing: undefined,
    shared: undefined,
    ownLevel: false,
    config: resolved,
    gated: undefined,
  };
  applyConfig(core, resolved, shared ? shared.backends : buildBackends(resolved), shared);
  return core;
}

/**
 * A named logger. Create one with {@link getLogger}. Log calls never throw
 * and never wait on I/O; a level below the logger's costs one comparison.
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
  /** The logger's name (`logger_name` on the wire). */
  readonly name: string;
  #core: Core;
  #bound: Context | undefined;
  /** Made by `bind`: the backends belong to the parent. */
  #child = false;

  /**
   * Loggers are made by {@link getLogger}; this constructor is for
   * subclasses and tests.
   *
   * @param name The logger's name.
   * @param config Its config (any dialect); the global or default one when not given.
   */
  constructor(name: string, config?: LoggerConfigInput<string>) {
    this.name = String(name);
    const child = childInit;
    childInit = undefined;
    if (child !== undefined) {
      this.#core = child.core;
      this.#bound = child.bound;
      this.#child = true;
      return;
    }
    this.#core = newCore(config === undefined ? undefined : normalizeLoggerConfig(config));
    this.#bound = undefined;
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
          `logger "${this.name}" was shut down; records logged after it are dropped and counted`,
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
        ctx = { ...core.baseContext, ...this.#bound, ...implicit, ...ctx };
      }
      const entry = new LogEntry(level, message, this.name, ctx, core.correlationId, preciseNow(), core.serializer);
      if (core.wantSource) captureSource(entry);
      core.logged++;
      const backends = core.backends;
      for (let i = 0; i < backends.length; i++) {
        try {
          backends[i].handle(entry);
        } catch (e) {
          core.backendErrors++;
          const b = backends[i];
          if (b instanceof BaseBackend) b.recordFailure(e);
          else reportOnce(`logger:backend:${i}`, `backend ${i} of logger "${this.name}" threw: ${describeError(e)}`);
        }
      }
    } catch (e) {
      reportOnce(`logger:${this.name}:internal`, `logger "${this.name}" could not log a record: ${describeError(e)}`);
    }
  }

  /**
   * A child logger with `context` merged into every record; it shares the
   * backends, level and correlation id. Shutting a child down (or leaving
   * its `await using` scope) only flushes: the backends stay the parent's.
   *
   * @param context Fields for every record of the child.
   * @returns The child logger.
   */
  bind(context: LogContext): Logger {
    childInit = { core: this.#core, bound: { ...this.#bound, ...context } };
    return new Logger(this.name);
  }

  /**
   * Runs `fn` with `context` attached to every record logged inside it, by
   * any logger, across `await` (Deno, Bun, Node).
   *
   * @param context Fields to attach.
   * @param fn The function to run.
   * @returns What `fn` returns.
   */
  withContext<R>(context: LogContext, fn: () => R): R {
    return runWithContext(context, fn);
  }

  /** Sets the logger's level. */
  setLevel(level: LevelInput): void {
    this.#core.level = parseLevel(level);
    this.#core.ownLevel = true;
    setThreshold(this.#core);
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
  }

  /** The current correlation id, or null. */
  getCorrelationId(): string | null {
    return this.#core.correlationId;
  }

  /** The backends of this logger. */
  getBackends(): BaseBackend[] {
    return this.#core.backends.filter((b): b is BaseBackend => b instanceof BaseBackend);
  }

  /**
   * Counters of the logger and each backend. Loggers on the global config
   * share its backends, so their backend counters are shared too, and start
   * again when `setGlobalConfig` replaces the backends.
   */
  getStats(): LoggerStats {
    const core = this.#core;
    const backends = this.getBackends().map((b) => ({
      ...b.getStats(),
      name: b.name,
      type: b.config.type,
      healthy: b.isHealthy(),
    }));
    let dropped = core.droppedAfterShutdown;
    let failed = 0;
    for (const s of backends) {
      dropped += s.messagesDropped;
      failed += s.messagesFailed;
    }
    return {
      messagesLogged: core.logged,
      messagesDropped: dropped,
      messagesFailed: failed,
      backendErrors: core.backendErrors,
      backends,
    };
  }

  /** Resolves when every backend has written what it took so far. */
  async flush(): Promise<void> {
    await settleAll(this.#core.backends, (b) => b.flush(), this.name);
  }

  /**
   * Flushes and shuts down every backend. Idempotent: later calls return the
   * same promise. Records logged afterwards are dropped and counted. On a
   * child made with `bind` it only flushes. Loggers on the global config
   * share its backends: the last of them to shut down closes them.
   */
  shutdown(): Promise<void> {
    if (this.#child) return this.flush();
    const core = this.#core;
    if (core.closing === undefined) {
      core.closing = core.shared !== undefined
        ? leaveSet(core.shared, this.name)
        : settleAll(core.backends, (b) => b.shutdown(), this.name);
      const cached = loggers.get(this.name);
      if (cached !== undefined && cached.#core === core) loggers.delete(this.name);
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

  static {
    moveToSet = (logger, set) => {
      const core = logger.#core;
      const old = core.shared;
      if (old === undefined || old === set || core.closing !== undefined) return;
      applyConfig(core, set.config, set.backends, set);
      leaveSet(old, logger.name).catch(() => {});
    };
  }
}

async function settleAll(
  backends: BackendInterface[],
  fn: (b: BackendInterface) => Promise<void>,
  name: string,
): Promise<void> {
  await Promise.all(backends.map(async (b) => {
    try {
      await fn(b);
    } catch (e) {
      if (b instanceof BaseBackend) b.recordFailure(e, 0);
      else reportOnce(`logger:${name}:flush`, `a backend of logger "${name}" failed: ${describeError(e)}`);
    }
  }));
}

const loggers = new Map<string, Logger>();
let globalConfig: NormalizedLoggerConfig | undefined;

/**
 * The logger named `name`. Without `config`: the cached logger of that name,
 * or a new one on the global config (a console backend at INFO when none is
 * set); loggers on the global config share its backends. With `config`: a
 * new logger with its own backends, cached under the name; an earlier logger
 * cached under that name is shut down.
 *
 * @param name The logger's name.
 * @param config Its config: ours, snake_case, or a Python 0.2.0 dump.
 * @returns The logger.
 * @throws {LoggerConfigurationError} When the config is invalid.
 *
 * @example
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 * const logger = getLogger("console_app", {
 *   backends: [{ type: "console", level: LogLevel.DEBUG, useColors: true }],
 * });
 * logger.info("This will be colored and formatted nicely");
 * ```
 */
export function getLogger<T extends string = never>(name: string, config?: LoggerConfigInput<T>): Logger {
  const key = String(name);
  if (config === undefined) {
    const cached = loggers.get(key);
    if (cached !== undefined) return cached;
  }
  const logger = new Logger(key, config);
  const previous = loggers.get(key);
  loggers.set(key, logger);
  previous?.shutdown().catch(() => {});
  return logger;
}

/**
 * Sets the config used by loggers created without one, and moves the loggers
 * that already follow it onto the new config.
 *
 * @param config The config (any dialect).
 * @throws {LoggerConfigurationError} When the config is invalid.
 *
 * @example
 * ```ts
 * import { getLogger, setGlobalConfig } from "@jinpy/logger";
 * setGlobalConfig({ level: "debug", backends: [{ type: "console", format: "json" }] });
 * getLogger("db").debug("connected");
 * ```
 */
export function setGlobalConfig<T extends string = never>(config: LoggerConfigInput<T>): void {
  const normalized = normalizeLoggerConfig(config);
  // Build first: an invalid config or an unwritable path changes nothing.
  const set: BackendSet = { config: normalized, backends: buildBackends(normalized), users: 0 };
  const old = globalSet;
  globalConfig = normalized;
  globalSet = set;
  const followers = old?.users ?? 0;
  for (const logger of loggers.values()) moveToSet(logger, set);
  // Nobody followed the old set (the last follower's move already closed it otherwise).
  if (old !== undefined && old.users === 0 && followers === 0) {
    settleAll(old.backends, (b) => b.shutdown(), "global").catch(() => {});
  }
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
  return globalConfig;
}

/**
 * Flushes and shuts down every cached logger.
 *
 * @example
 * ```ts
 * import { getLogger, shutdownAll } from "@jinpy/logger";
 * getLogger("app").info("bye");
 * await shutdownAll();
 * ```
 */
export async function shutdownAll(): Promise<void> {
  await Promise.all([...loggers.values()].map((l) => l.shutdown()));
  // A global config nobody used yet still holds open backends.
  const unused = globalSet;
  if (unused !== undefined && unused.users === 0) {
    globalSet = undefined;
    await settleAll(unused.backends, (b) => b.shutdown(), "global");
  }
}
