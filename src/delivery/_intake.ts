/**
 * The bounded queue in front of the delivery pipeline: records come in,
 * batches (records, bytes, timeout) go out. A full queue pushes out its
 * oldest record: to the spool when there is one (back-pressure, off the
 * logging path), else counted as dropped.
 */
import { BoundedQueue } from "../queue.ts";
import { later } from "./_lifecycle.ts";

/** What the intake asks of its pipeline. */
export interface IntakeHooks {
  /** A batch may be due: start sending soon. */
  ready(): void;
  /** Records that overflowed and everything queued behind them, oldest first; absent without a spool. */
  spill?: (lines: string[]) => void;
  /** Records dropped. */
  drop(records: number, reason: string): void;
}

/** Records waiting to be batched; each has a sequence number (its position among all records pushed). */
export class Intake {
  readonly queue: BoundedQueue<string>;
  #hooks: IntakeHooks;
  #batchSize: number;
  #timeoutMs: number;
  #seqIn = 0;
  #overflow: string[] = [];
  #overflowFirstSeq = 0;
  #overflowScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = false;
  #stopped = false;
  readonly #fullReason: string;

  constructor(capacity: number, batchSize: number, batchTimeoutMs: number, hooks: IntakeHooks) {
    this.queue = new BoundedQueue<string>(capacity);
    this.#batchSize = batchSize;
    this.#timeoutMs = batchTimeoutMs;
    this.#hooks = hooks;
    this.#fullReason = `queue full (maxQueueSize ${this.queue.capacity}), oldest records dropped`;
  }

  /** Records ever pushed. */
  get seqIn(): number {
    return this.#seqIn;
  }

  /** Sequence number of the oldest record held (`seqIn` when none is). */
  get lowest(): number {
    const low = this.#seqIn - this.queue.size;
    return this.#overflow.length > 0 && this.#overflowFirstSeq < low ? this.#overflowFirstSeq : low;
  }

  /** Records held. */
  get held(): number {
    return this.queue.size + this.#overflow.length;
  }

  /** Takes one record; never waits on I/O. */
  push(line: string): void {
    const headSeq = this.#seqIn - this.queue.size;
    const evicted = this.queue.push(line);
    this.#seqIn++;
    if (evicted !== undefined) this.#overflowed(evicted, headSeq);
    if (this.queue.size >= this.#batchSize || this.#timeoutMs === 0) this.#hooks.ready();
    else this.arm();
  }

  #overflowed(line: string, seq: number): void {
    if (this.#hooks.spill === undefined) {
      this.#hooks.drop(1, this.#fullReason);
      return;
    }
    if (this.#overflow.length >= this.queue.capacity) {
      this.#hooks.drop(1, "queue full and the spool cannot keep up");
      return;
    }
    if (this.#overflow.length === 0) this.#overflowFirstSeq = seq;
    this.#overflow.push(line);
    if (!this.#overflowScheduled) {
      this.#overflowScheduled = true;
      queueMicrotask(() => this.spill());
    }
  }

  /** Back-pressure: what overflowed, and everything queued behind it, goes to the spool now. */
  spill(): void {
    this.#overflowScheduled = false;
    if (this.#overflow.length === 0) return;
    this.#hooks.spill!(this.takeAll());
  }

  /** Everything held, oldest first. */
  takeAll(): string[] {
    this.#timerDue = false;
    const lines = this.#overflow;
    this.#overflow = [];
    lines.push(...this.queue.drain());
    return lines;
  }

  /**
   * The next batch when one is due: `batchSize` records, or fewer when the
   * batch timeout passed or `now`; at most `maxBytes` by `measure` (one
   * record at least).
   */
  cut(
    now: boolean,
    maxBytes: number,
    measure?: (line: string) => number,
  ): { lines: string[]; firstSeq: number } | undefined {
    const queue = this.queue;
    if (queue.size === 0 || !(now || this.#timerDue || queue.size >= this.#batchSize || this.#timeoutMs === 0)) {
      return undefined;
    }
    const firstSeq = this.#seqIn - queue.size;
    const lines: string[] = [];
    let bytes = 0;
    while (lines.length < this.#batchSize && queue.size > 0) {
      const line = queue.shift()!;
      if (maxBytes !== Infinity) {
        const size = (measure ? measure(line) : line.length) + 1;
        if (lines.length > 0 && bytes + size > maxBytes) {
          queue.unshiftAll([line]);
          break;
        }
        bytes += size;
      }
      lines.push(line);
    }
    if (queue.size < this.#batchSize) this.#timerDue = false;
    return { lines, firstSeq };
  }

  /** Arms the batch timer while records wait. */
  arm(): void {
    if (this.#timer !== undefined || this.#timerDue || this.queue.size === 0 || this.#stopped) return;
    this.#timer = later(() => {
      this.#timer = undefined;
      this.#timerDue = true;
      this.#hooks.ready();
    }, this.#timeoutMs);
  }

  /** Stops the batch timer for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
