/**
 * The registry of loggers: the cache by category name, the global config,
 * the backend sets that loggers share, and which set and level each logger
 * without a config of its own follows (its nearest configured ancestor,
 * then the global config).
 *
 * Loggers with state of their own (a config, a level set with `setLevel`,
 * a correlation id) are held; the others only weakly, so per-request names
 * cost nothing once their logger is unreachable.
 */
import { whileReplacing } from "./_succession.ts";
import { type BackendInterface, BaseBackend } from "./backends/base.ts";
import { setSignalHandling } from "./runtime/runtime.ts";
import type { NormalizedLoggerConfig } from "./config/config.ts";
import { normalizeBackendConfig, normalizeLoggerConfig } from "./config/_schema.ts";
import { configError } from "./config/_suggest.ts";
import { BackendFactory } from "./factory.ts";
import { FilteredSink, filterSpec, sinkFor } from "./filters.ts";
import { describeError, reportOnce } from "./report.ts";

/**
 * Backends built from one config, with the sinks (the backends behind their
 * filters) loggers hand records to.
 */
export class BackendSet {
  readonly config: NormalizedLoggerConfig;
  readonly backends: BaseBackend[];
  readonly sinks: BackendInterface[];
  /** Loggers using the set; a shared set is shut down when the last one leaves. */
  users = 0;
  /** Owned by one logger (its own config): only that logger shuts it down. */
  readonly owned: boolean;
  #closing: Promise<void> | undefined;

  /** Builds every backend; when one fails, the ones built are shut down and the error thrown. */
  constructor(config: NormalizedLoggerConfig, owned: boolean) {
    this.config = config;
    this.owned = owned;
    if (config.handleSignals === false) setSignalHandling(false);
    const made: BaseBackend[] = [];
    const sinks: BackendInterface[] = [];
    try {
      // Filters are checked before any backend opens a file or a socket.
      const normalized = config.backends.map((b, i) => normalizeBackendConfig(b, i));
      normalized.forEach((b, i) => filterSpec(b, i));
      normalized.forEach((b, i) => {
        const backend = BackendFactory.createBackend(b, i);
        made.push(backend);
        sinks.push(sinkFor(backend, i));
      });
    } catch (e) {
      for (const b of made) b.shutdown().catch(() => {});
      throw e;
    }
    this.backends = made;
    this.sinks = sinks;
  }

  /** Filter counters of the backend at `index`, when it has filters. */
  filterOf(index: number): FilteredSink | undefined {
    const s = this.sinks[index];
    return s instanceof FilteredSink ? s : undefined;
  }

  flush(name: string): Promise<void> {
    return settleAll(this.sinks, (b) => b.flush(), name);
  }

  /** Flushes and shuts every backend down, once. */
  shutdown(name: string): Promise<void> {
    return this.#closing ??= settleAll(this.sinks, (b) => b.shutdown(), name);
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }
}

/** Runs `fn` on every backend; a failure is counted on its backend, never thrown. */
export async function settleAll(
  backends: BackendInterface[],
  fn: (b: BackendInterface) => Promise<void>,
  name: string,
): Promise<void> {
  await Promise.all(backends.map(async (b) => {
    try {
      await fn(b);
    } catch (e) {
      const backend = b instanceof FilteredSink ? b.backend : b;
      if (backend instanceof BaseBackend) backend.recordFailure(e, 0);
      else reportOnce(`logger:${name}:flush`, `a backend of logger "${name}" failed: ${describeError(e)}`);
    }
  }));
}

/** A logger as the registry sees it (the state shared by a logger and its bound children). */
export interface Member {
  /** Category name, dotted. */
  readonly name: string;
  /** Its own config's backends (`getLogger(name, config)`), or undefined. */
  own: BackendSet | undefined;
  /** A level set with `setLevel`, or undefined. */
  ownLevel: number | undefined;
  /** Held strongly (own state); otherwise only weakly. */
  pinned: boolean;
  /** The set in use now. */
  set: BackendSet | undefined;
  /** Shut down (or shutting down). */
  readonly closed: boolean;
  /** Switches the member to `set` at `level`. */
  use(set: BackendSet, level: number): void;
}

/** A config shared by many loggers, its backends built on first use and again after the last user left. */
class SharedSlot {
  readonly config: NormalizedLoggerConfig;
  set: BackendSet | undefined;
  constructor(config: NormalizedLoggerConfig, set?: BackendSet) {
    this.config = config;
    this.set = set;
  }
  acquire(): BackendSet {
    if (this.set === undefined || this.set.closed) this.set = new BackendSet(this.config, false);
    return this.set;
  }
}

/** One entry of the global config's `loggers`. */
interface CategoryEntry {
  level: number | undefined;
  slot: SharedSlot | undefined;
}

interface Slot {
  ref: WeakRef<Member>;
  strong: Member | undefined;
  /** The set the member uses, so that a collected member stops counting as its user. */
  set: BackendSet | undefined;
}

/** The parts of a category name: `"app.db"` and `["app", "db"]` both give `"app.db"`. */
export function categoryName(name: unknown): string {
  if (Array.isArray(name)) return name.map((p) => String(p)).join(".");
  return String(name);
}

/** `"a.b.c"` → `["a.b.c", "a.b", "a"]`. */
function lineage(name: string): string[] {
  const out = [name];
  for (let i = name.lastIndexOf("."); i > 0; i = name.lastIndexOf(".", i - 1)) out.push(name.slice(0, i));
  return out;
}

/**
 * The one registry of the process. Everything a logger needs from it goes
 * through these methods; nothing is handed over in module variables.
 */
class Registry {
  #members = new Map<string, Slot>();
  #finalizer = typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<{ name: string; slot: Slot }>(({ name, slot }) => {
      if (this.#members.get(name) === slot) this.#forget(name);
      // Not shut down here: the set stays for the loggers still using it, or the next one.
      if (slot.set !== undefined) slot.set.users--;
      slot.set = undefined;
    })
    : undefined;
  #globalConfig: NormalizedLoggerConfig | undefined;
  #root: SharedSlot | undefined;
  #categories = new Map<string, CategoryEntry>();

  get globalConfig(): NormalizedLoggerConfig | undefined {
    return this.#globalConfig;
  }

  #rootSlot(): SharedSlot {
    return this.#root ??= new SharedSlot(this.#globalConfig ?? normalizeLoggerConfig({}));
  }

  /** The live member cached under `name`. */
  lookup(name: string): Member | undefined {
    const slot = this.#members.get(name);
    if (slot === undefined) return undefined;
    const m = slot.ref.deref();
    if (m === undefined || m.closed) {
      this.#forget(name);
      return undefined;
    }
    return m;
  }

  /** Caches a member under its name (replacing a closed one). */
  add(member: Member): void {
    const slot: Slot = { ref: new WeakRef(member), strong: member.pinned ? member : undefined, set: member.set };
    this.#members.set(member.name, slot);
    if (this.#members.size > this.#peak) this.#peak = this.#members.size;
    // No unregister token: the callback checks the slot is still current (tokens cost memory that is never returned).
    this.#finalizer?.register(member, { name: member.name, slot });
  }

  /** Holds a member strongly from now on (it has state of its own). */
  pin(member: Member): void {
    member.pinned = true;
    const slot = this.#members.get(member.name);
    if (slot !== undefined && slot.ref.deref() === member) slot.strong = member;
  }

  /** Forgets a member (shut down). */
  remove(member: Member): void {
    const slot = this.#members.get(member.name);
    if (slot !== undefined && slot.ref.deref() === member) {
      this.#forget(member.name);
      slot.set = undefined;
    }
  }

  /** The most names the cache table was sized for since it was last rebuilt. */
  #peak = 0;

  /** Drops a name; rebuilds the table when it has shrunk to a quarter, as a Map keeps its largest size. */
  #forget(name: string): void {
    this.#members.delete(name);
    const size = this.#members.size;
    if (this.#peak > 1024 && size < this.#peak / 4) {
      this.#members = new Map(this.#members);
      this.#peak = size;
    }
  }

  /** Names in the cache, live or awaiting collection (for tests). */
  get size(): number {
    return this.#members.size;
  }

  /** Every live cached member. */
  members(): Member[] {
    const out: Member[] = [];
    for (const slot of this.#members.values()) {
      const m = slot.ref.deref();
      if (m !== undefined && !m.closed) out.push(m);
    }
    return out;
  }

  /** Points a member at the set and level it should use now. */
  resolve(member: Member): void {
    let set = member.own;
    let level = member.ownLevel ?? set?.config.level;
    if (set === undefined || level === undefined) {
      for (const name of lineage(member.name)) {
        if (name !== member.name) {
          const a = this.lookup(name);
          if (a !== undefined && a.pinned) {
            if (level === undefined) level = a.ownLevel ?? a.own?.config.level;
            if (set === undefined && a.own !== undefined) set = a.own;
          }
        }
        const entry = this.#categories.get(name);
        if (entry !== undefined) {
          if (level === undefined) level = entry.level;
          if (set === undefined && entry.slot !== undefined) set = this.#acquire(entry.slot, name);
        }
        if (set !== undefined && level !== undefined) break;
      }
    }
    const root = set === undefined || level === undefined ? this.#rootSlot() : undefined;
    set ??= root!.acquire();
    level ??= root!.config.level;
    const old = member.set;
    if (old !== set) {
      set.users++;
      member.set = set;
      const slot = this.#members.get(member.name);
      if (slot !== undefined && slot.ref.deref() === member) slot.set = set;
    }
    member.use(set, level);
    if (old !== undefined && old !== set) this.leave(old, member.name).catch(() => {});
  }

  #acquire(slot: SharedSlot, name: string): BackendSet | undefined {
    try {
      return slot.acquire();
    } catch (e) {
      reportOnce(
        `logger:category:${name}`,
        `the backends of category "${name}" could not be built: ${describeError(e)}; using the parent's`,
      );
      return undefined;
    }
  }

  /** Re-resolves every live member (after any change of config or level). */
  resolveAll(): void {
    for (const m of this.members()) {
      try {
        this.resolve(m);
      } catch (e) {
        reportOnce(`logger:${m.name}:resolve`, `logger "${m.name}" kept its backends: ${describeError(e)}`);
      }
    }
  }

  /** A member stops using a set; the last one out of a shared set shuts it down. */
  leave(set: BackendSet, name: string): Promise<void> {
    set.users--;
    if (set.owned || set.users > 0) return set.flush(name);
    if (this.#root?.set === set) this.#root.set = undefined;
    for (const e of this.#categories.values()) if (e.slot?.set === set) e.slot.set = undefined;
    return set.shutdown(name);
  }

  /**
   * Gives a member its own config, in place: followers of its old backends
   * move to the new ones, then the old ones are flushed and closed.
   */
  configure(member: Member, set: BackendSet): Promise<void> {
    const old = member.own;
    member.own = set;
    member.ownLevel = undefined;
    this.pin(member);
    this.resolveAll();
    if (this.lookup(member.name) !== member) this.resolve(member);
    return old !== undefined && old !== set ? old.shutdown(member.name) : Promise.resolve();
  }

  /** Replaces the global config; every follower moves to it. */
  setGlobal(config: NormalizedLoggerConfig): void {
    // Build first: an invalid config or an unwritable path changes nothing.
    const categories = new Map<string, CategoryEntry>();
    const built: BackendSet[] = [];
    try {
      // The new backends succeed the old ones (a spool is handed over).
      built.push(whileReplacing(this.#root?.set?.backends, () => new BackendSet(config, false)));
      for (const [name, raw] of Object.entries(config.loggers)) {
        categories.set(categoryName(name), this.#category(name, raw, config, built));
      }
    } catch (e) {
      for (const s of built) s.shutdown("global").catch(() => {});
      throw e;
    }
    const oldSets = [this.#root?.set, ...[...this.#categories.values()].map((e) => e.slot?.set)];
    this.#globalConfig = config;
    this.#root = new SharedSlot(config, built[0]);
    this.#categories = categories;
    this.resolveAll();
    // Old sets nobody followed (the last follower's move already closed the others).
    for (const s of oldSets) if (s !== undefined && s.users === 0) s.shutdown("global").catch(() => {});
  }

  #category(name: string, raw: unknown, global: NormalizedLoggerConfig, built: BackendSet[]): CategoryEntry {
    const where = `loggers["${name}"]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw configError(where, "expected an object such as { level, backends }", { key: name });
    }
    const given = raw as Record<string, unknown>;
    let normalized: NormalizedLoggerConfig;
    try {
      normalized = normalizeLoggerConfig({
        sensitiveFields: global.sensitiveFields,
        redactPatterns: global.redactPatterns,
        maxContextSize: global.maxContextSize,
        maxMessageLength: global.maxMessageLength,
        ...given,
      });
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace("configuration at config", `configuration at ${where}`);
      throw e;
    }
    if (Object.keys(normalized.loggers).length > 0) {
      throw configError(where, `"loggers" nests only at the top level; use dotted names`, { key: "loggers" });
    }
    const hasLevel = given.level !== undefined || given.default_level !== undefined ||
      given.defaultLevel !== undefined;
    let slot: SharedSlot | undefined;
    if (given.backends !== undefined && given.backends !== null) {
      const set = new BackendSet(normalized, false);
      built.push(set);
      slot = new SharedSlot(normalized, set);
    }
    return { level: hasLevel || slot !== undefined ? normalized.level : undefined, slot };
  }

  /** Shuts down the shared backends (of the global config and its categories). */
  async shutdownShared(): Promise<void> {
    const sets = [this.#root?.set, ...[...this.#categories.values()].map((e) => e.slot?.set)];
    if (this.#root !== undefined) this.#root.set = undefined;
    for (const e of this.#categories.values()) if (e.slot !== undefined) e.slot.set = undefined;
    await Promise.all(sets.map((s) => s?.shutdown("global")));
  }
}

/** The registry of this process. */
export const registry: Registry = new Registry();
