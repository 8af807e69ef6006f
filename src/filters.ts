/**
 * Per-backend filters, for any backend type: fingers-crossed buffering,
 * sampling and rate limits. A logger hands records to a backend through a
 * {@link FilteredSink} when its config asks for one of them.
 */
import type { BackendInterface, BaseBackend } from "./backends/base.ts";
import type { NormalizedBackendConfig } from "./config/config.ts";
import { configError } from "./config/_suggest.ts";
import { currentScope, type Scope } from "./context.ts";
import { describeValue, parseLevel } from "./levels.ts";
import { LogEntry } from "./record.ts";

/** What the filters of one backend did, as shown in `getStats()`. */
export interface FilterCounters {
  /** Records left out by `sample`. */
  sampledOut: number;
  /** Records left out by `rateLimit`. */
  rateLimited: number;
  /** Records held by `fingersCrossed` and then discarded (overflow, scope end, shutdown). */
  suppressed: number;
  /** Records held by `fingersCrossed` right now. */
  held: number;
}

interface FingersCrossed {
  level: number;
  maxBuffered: number;
}

interface RateLimit {
  records: number;
  ms: number;
}

interface FilterSpec {
  fingersCrossed: FingersCrossed | undefined;
  /** Keep-probability by level number; `all` for levels not listed. */
  sample: { all: number; byLevel: Map<number, number> } | undefined;
  rateLimit: RateLimit | undefined;
}

/** Held records of one scope, with their arrival order across scopes. */
interface Held {
  seq: number[];
  entries: LogEntry[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pick(o: Record<string, unknown>, camel: string, snake: string): unknown {
  return o[camel] !== undefined ? o[camel] : o[snake];
}

function rate(where: string, key: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
    throw configError(where, `"${key}" expected a number from 0 to 1, got ${describeValue(v)}`, { key }, [
      "0.1 keeps one record in ten",
    ]);
  }
  return v;
}

function level(where: string, key: string, v: unknown): number {
  try {
    return parseLevel(v as never);
  } catch {
    throw configError(where, `"${key}" is not a known log level: ${describeValue(v)}`, { key }, [
      "Use one of trace, debug, info, warning (warn), error, critical (fatal), or a LogLevel value",
    ]);
  }
}

function positive(where: string, key: string, v: unknown, integer: boolean): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw configError(
      where,
      `"${key}" expected ${integer ? "a whole number" : "a number"} > 0, got ${describeValue(v)}`,
      { key },
    );
  }
  return v;
}

/**
 * Reads and checks the filter keys of a backend config.
 *
 * @returns The filters, or undefined when the config asks for none.
 * @throws {LoggerConfigurationError} Naming the backend and key.
 */
export function filterSpec(config: NormalizedBackendConfig, index?: number): FilterSpec | undefined {
  const fc = pick(config, "fingersCrossed", "fingers_crossed");
  const sample = config.sample;
  const rl = pick(config, "rateLimit", "rate_limit");
  if (
    (fc === undefined || fc === null) && (sample === undefined || sample === null) && (rl === undefined || rl === null)
  ) {
    return undefined;
  }
  const where = `${index === undefined ? "backend" : `backends[${index}]`} (${config.type})`;
  const spec: FilterSpec = { fingersCrossed: undefined, sample: undefined, rateLimit: undefined };
  if (fc !== undefined && fc !== null && fc !== false) {
    if (!isObject(fc)) {
      throw configError(where, `"fingersCrossed" expected { level, maxBuffered }, got ${describeValue(fc)}`, {
        key: "fingersCrossed",
      }, ['e.g. fingersCrossed: { level: "error", maxBuffered: 1000 }']);
    }
    for (const k of Object.keys(fc)) {
      if (!["level", "maxBuffered", "max_buffered"].includes(k)) {
        throw configError(where, `unknown key "fingersCrossed.${k}"`, { key: `fingersCrossed.${k}` }, [
          "Keys of fingersCrossed: level, maxBuffered",
        ]);
      }
    }
    const max = pick(fc, "maxBuffered", "max_buffered");
    spec.fingersCrossed = {
      level: fc.level === undefined ? 40 : level(where, "fingersCrossed.level", fc.level),
      maxBuffered: max === undefined ? 1000 : positive(where, "fingersCrossed.maxBuffered", max, true),
    };
  }
  if (sample !== undefined && sample !== null) {
    if (typeof sample === "number") spec.sample = { all: rate(where, "sample", sample), byLevel: new Map() };
    else if (isObject(sample)) {
      const byLevel = new Map<number, number>();
      for (const [k, v] of Object.entries(sample)) {
        byLevel.set(level(where, `sample.${k}`, k), rate(where, `sample.${k}`, v));
      }
      spec.sample = { all: 1, byLevel };
    } else {
      throw configError(
        where,
        `"sample" expected a rate from 0 to 1 or { level: rate }, got ${describeValue(sample)}`,
        {
          key: "sample",
        },
        ["e.g. sample: 0.1, or sample: { debug: 0.01, info: 0.1 }"],
      );
    }
  }
  if (rl !== undefined && rl !== null && rl !== false) {
    if (!isObject(rl)) {
      throw configError(where, `"rateLimit" expected { records, perSeconds }, got ${describeValue(rl)}`, {
        key: "rateLimit",
      }, ["e.g. rateLimit: { records: 100, perSeconds: 1 }"]);
    }
    for (const k of Object.keys(rl)) {
      if (!["records", "perSeconds", "per_seconds"].includes(k)) {
        throw configError(where, `unknown key "rateLimit.${k}"`, { key: `rateLimit.${k}` }, [
          "Keys of rateLimit: records, perSeconds",
        ]);
      }
    }
    const per = pick(rl, "perSeconds", "per_seconds");
    spec.rateLimit = {
      records: positive(where, "rateLimit.records", rl.records, true),
      ms: (per === undefined ? 1 : positive(where, "rateLimit.perSeconds", per, false)) * 1000,
    };
  }
  return spec;
}

/**
 * A backend behind its filters: level check first, then sampling, then
 * fingers-crossed, then the rate limit, then the backend. The state (held
 * records, windows, counters) belongs to the backend, so loggers sharing a
 * backend share its filters.
 */
export class FilteredSink implements BackendInterface {
  /** The backend behind the filters. */
  readonly backend: BaseBackend;
  readonly #spec: FilterSpec;
  readonly #counters: FilterCounters = { sampledOut: 0, rateLimited: 0, suppressed: 0, held: 0 };
  #seq = 0;
  #buffers = new WeakMap<Scope, Held>();
  #root: Held = { seq: [], entries: [] };
  #windowStart = -Infinity;
  #inWindow = 0;
  #limited = 0;
  #limitedName = "";

  constructor(backend: BaseBackend, spec: FilterSpec) {
    this.backend = backend;
    this.#spec = spec;
  }

  /** A copy of the counters. */
  counters(): FilterCounters {
    return { ...this.#counters };
  }

  handle(entry: LogEntry): void {
    if (!this.backend.shouldHandle(entry)) return;
    const spec = this.#spec;
    const sample = spec.sample;
    if (sample !== undefined) {
      const keep = sample.byLevel.get(entry.level) ?? sample.all;
      if (keep < 1 && !(Math.random() < keep)) {
        this.#counters.sampledOut++;
        return;
      }
    }
    const fc = spec.fingersCrossed;
    if (fc !== undefined) {
      const scope = liveScope(currentScope());
      if (entry.level < fc.level) {
        this.#hold(scope, entry, fc.maxBuffered);
        return;
      }
      this.#release(scope);
    }
    this.#pass(entry);
  }

  #hold(scope: Scope | undefined, entry: LogEntry, max: number): void {
    let held: Held;
    if (scope === undefined) held = this.#root;
    else {
      const found = this.#buffers.get(scope);
      if (found !== undefined) held = found;
      else {
        const made: Held = { seq: [], entries: [] };
        held = made;
        this.#buffers.set(scope, made);
        const buffers = this.#buffers;
        (scope.onEnd ??= []).push(() => {
          // The scope is over: what it held will never be asked for.
          if (buffers.get(scope) !== made) return;
          buffers.delete(scope);
          this.#counters.suppressed += made.entries.length;
          this.#counters.held -= made.entries.length;
        });
      }
    }
    held.seq.push(this.#seq++);
    held.entries.push(entry);
    this.#counters.held++;
    if (held.entries.length > max) {
      held.seq.shift();
      held.entries.shift();
      this.#counters.held--;
      this.#counters.suppressed++;
    }
  }

  /** Writes what the scope (and its enclosing scopes) held, in arrival order. */
  #release(scope: Scope | undefined): void {
    const lists: Held[] = [];
    if (scope === undefined) {
      if (this.#root.entries.length > 0) lists.push(this.#root);
      this.#root = { seq: [], entries: [] };
    } else {
      for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) {
        const held = this.#buffers.get(s);
        if (held === undefined) continue;
        this.#buffers.delete(s);
        if (held.entries.length > 0) lists.push(held);
      }
    }
    if (lists.length === 0) return;
    const ordered = lists.length === 1 ? lists[0].entries : merge(lists);
    this.#counters.held -= ordered.length;
    for (const e of ordered) this.#pass(e);
  }

  #pass(entry: LogEntry): void {
    const rl = this.#spec.rateLimit;
    if (rl !== undefined) {
      const now = Date.now();
      if (now - this.#windowStart >= rl.ms) {
        this.#notice();
        this.#windowStart = now;
        this.#inWindow = 0;
      }
      if (this.#inWindow >= rl.records) {
        this.#limited++;
        this.#limitedName = entry.loggerName;
        this.#counters.rateLimited++;
        return;
      }
      this.#inWindow++;
    }
    this.backend.handle(entry);
  }

  /** One record saying how many records the rate limit left out since the last such record. */
  #notice(): void {
    const n = this.#limited;
    if (n === 0) return;
    this.#limited = 0;
    const rl = this.#spec.rateLimit!;
    this.backend.handle(
      new LogEntry(30, `${n} records suppressed by rateLimit`, this.#limitedName, {
        suppressed: n,
        backend: this.backend.name,
        records: rl.records,
        per_seconds: rl.ms / 1000,
      }),
    );
  }

  flush(): Promise<void> {
    this.#notice();
    return this.backend.flush();
  }

  shutdown(): Promise<void> {
    this.#notice();
    // Held records nobody asked for are discarded now, and counted.
    this.#counters.suppressed += this.#counters.held;
    this.#counters.held = 0;
    this.#buffers = new WeakMap();
    this.#root = { seq: [], entries: [] };
    return this.backend.shutdown();
  }

  isHealthy(): boolean {
    return this.backend.isHealthy();
  }
}

function liveScope(scope: Scope | undefined): Scope | undefined {
  while (scope !== undefined && scope.ended) scope = scope.parent;
  return scope;
}

function merge(lists: Held[]): LogEntry[] {
  const all: [number, LogEntry][] = [];
  for (const l of lists) for (let i = 0; i < l.entries.length; i++) all.push([l.seq[i], l.entries[i]]);
  all.sort((a, b) => a[0] - b[0]);
  return all.map((p) => p[1]);
}

/**
 * What a logger calls for each backend: the backend itself, or the backend
 * behind its filters.
 */
export function sinkFor(backend: BaseBackend, index?: number): BackendInterface {
  const spec = filterSpec(backend.config, index);
  return spec === undefined ? backend : new FilteredSink(backend, spec);
}
