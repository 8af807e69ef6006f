/**
 * The bounded queue in front of the delivery pipeline: records come in,
 * batches (records, bytes, timeout) go out. Records wait as NDJSON bytes:
 * the newest ones are appended to one open text, which is encoded into a
 * chunk as soon as it holds a batch, so that a long queue is a few large
 * byte arrays rather than many strings for the collector to trace. A full
 * queue pushes out its oldest record: to the spool when there is one
 * (back-pressure, off the logging path), else counted as dropped.
 */
import { countNewlines } from "../writer/_chunk.ts";
import { later } from "./_lifecycle.ts";

const NEWLINE = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the intake asks of its pipeline. */
export interface IntakeHooks {
  /** A batch may be due: start sending soon. */
  ready(): void;
  /** Records that overflowed and everything queued behind them, oldest first; absent without a spool. */
  spill?: (lines: string[]) => void;
  /** Records dropped. */
  drop(records: number, reason: string): void;
}

/** Records as NDJSON bytes: `count` lines, each ending in a newline. */
export interface Chunk {
  bytes: Uint8Array<ArrayBuffer>;
  count: number;
}

/** A queued chunk, with the whole buffer its bytes are in when it alone uses it. */
interface Held extends Chunk {
  buffer: Uint8Array<ArrayBuffer> | undefined;
}

/** Buffers of chunks pushed out by a full queue, kept for the next chunks (no churn while records overflow). */
const SPARE_BUFFERS = 8;

/** The lines of NDJSON bytes, without their newlines. */
export function splitLines(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const lines = decoder.decode(bytes).split("\n");
  lines.pop();
  return lines;
}

/** Records waiting to be batched; each has a sequence number (its position among all records pushed). */
export class Intake {
  readonly capacity: number;
  #hooks: IntakeHooks;
  #batchSize: number;
  #timeoutMs: number;
  #seqIn = 0;
  /** Encoded records, oldest first, from `#head` on. */
  #chunks: Held[] = [];
  #spare: Uint8Array<ArrayBuffer>[] = [];
  #head = 0;
  #encoded = 0;
  /** The newest records as text, each followed by a newline. */
  #open = "";
  #openCount = 0;
  #overflow: string[] = [];
  #overflowFirstSeq = 0;
  #overflowScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = false;
  #stopped = false;
  readonly #fullReason: string;

  constructor(capacity: number, batchSize: number, batchTimeoutMs: number, hooks: IntakeHooks) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.#batchSize = Math.max(1, batchSize);
    this.#timeoutMs = batchTimeoutMs;
    this.#hooks = hooks;
    this.#fullReason = `queue full (maxQueueSize ${this.capacity}), oldest records dropped`;
  }

  /** Records ever pushed. */
  get seqIn(): number {
    return this.#seqIn;
  }

  /** Records queued (not counting those that overflowed and wait for the spool). */
  get size(): number {
    return this.#encoded + this.#openCount;
  }

  /** Sequence number of the oldest record held (`seqIn` when none is). */
  get lowest(): number {
    const low = this.#seqIn - this.size;
    return this.#overflow.length > 0 && this.#overflowFirstSeq < low ? this.#overflowFirstSeq : low;
  }

  /** Records held. */
  get held(): number {
    return this.size + this.#overflow.length;
  }

  /** Takes one record (a line without newlines); never waits on I/O. */
  push(line: string): void {
    if (this.#encoded + this.#openCount >= this.capacity) this.#evict();
    this.#open += line;
    this.#open += "\n";
    this.#seqIn++;
    if (++this.#openCount >= this.#batchSize) {
      this.#seal();
      this.#hooks.ready();
    } else if (this.#timeoutMs === 0) this.#hooks.ready();
    else this.arm();
  }

  /** Encodes the open text into a chunk. */
  #seal(): void {
    if (this.#openCount === 0) return;
    const text = this.#open;
    let buffer = this.#spare.pop();
    let bytes: Uint8Array<ArrayBuffer>;
    // A spare buffer when the text fits in it (chunks are alike in size), else one of the exact size.
    const done = buffer === undefined ? undefined : encoder.encodeInto(text, buffer);
    if (done !== undefined && done.read === text.length) bytes = buffer!.subarray(0, done.written);
    else bytes = buffer = encoder.encode(text);
    this.#chunks.push({ bytes, count: this.#openCount, buffer });
    this.#encoded += this.#openCount;
    this.#open = "";
    this.#openCount = 0;
  }

  /** Pushes out the oldest record. */
  #evict(): void {
    if (this.#encoded === 0) this.#seal();
    const seq = this.#seqIn - this.size;
    const chunk = this.#chunks[this.#head];
    const end = chunk.bytes.indexOf(NEWLINE) + 1;
    const keep = this.#hooks.spill !== undefined && this.#overflow.length < this.capacity;
    const line = keep ? decoder.decode(chunk.bytes.subarray(0, end - 1)) : "";
    chunk.bytes = chunk.bytes.subarray(end);
    this.#encoded--;
    if (--chunk.count === 0) this.#shift();
    if (!keep) {
      this.#hooks.drop(
        1,
        this.#hooks.spill === undefined ? this.#fullReason : "queue full and the spool cannot keep up",
      );
      return;
    }
    if (this.#overflow.length === 0) this.#overflowFirstSeq = seq;
    this.#overflow.push(line);
    if (!this.#overflowScheduled) {
      this.#overflowScheduled = true;
      queueMicrotask(() => this.spill());
    }
  }

  #shift(): void {
    const gone = this.#chunks[this.#head];
    // Emptied by the full queue (not taken by a batch): its buffer serves again.
    if (gone.count === 0 && gone.buffer !== undefined && this.#spare.length < SPARE_BUFFERS) {
      this.#spare.push(gone.buffer);
    }
    this.#chunks[this.#head++] = undefined as unknown as Held;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
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
    this.#seal();
    for (let i = this.#head; i < this.#chunks.length; i++) {
      for (const line of splitLines(this.#chunks[i].bytes)) lines.push(line);
    }
    this.#chunks = [];
    this.#head = 0;
    this.#encoded = 0;
    return lines;
  }

  /**
   * The next batch when one is due: `batchSize` records, or fewer when the
   * batch timeout passed or `now`; at most `maxBytes` bytes counting a
   * newline after each record (one record at least).
   */
  cut(now: boolean, maxBytes: number): (Chunk & { firstSeq: number }) | undefined {
    const size = this.size;
    if (size === 0 || !(now || this.#timerDue || this.#encoded > 0 || this.#timeoutMs === 0)) return undefined;
    if (this.#encoded === 0) this.#seal();
    const firstSeq = this.#seqIn - size;
    let chunk = this.#chunks[this.#head];
    if (chunk.bytes.length > maxBytes) {
      // Whole records up to maxBytes; the rest stays first in the queue.
      let end = chunk.bytes.lastIndexOf(NEWLINE, maxBytes - 1) + 1;
      if (end === 0) end = chunk.bytes.indexOf(NEWLINE) + 1;
      const count = countNewlines(chunk.bytes, 0, end);
      const part = { bytes: chunk.bytes.subarray(0, end), count, buffer: undefined };
      chunk.bytes = chunk.bytes.subarray(end);
      chunk.count -= count;
      // The batch shares the buffer now: it is never reused.
      chunk.buffer = undefined;
      chunk = part;
    } else this.#shift();
    this.#encoded -= chunk.count;
    if (this.size < this.#batchSize) this.#timerDue = false;
    return { bytes: chunk.bytes, count: chunk.count, firstSeq };
  }

  /** Arms the batch timer while records wait. */
  arm(): void {
    if (this.#timer !== undefined || this.#timerDue || this.size === 0 || this.#stopped) return;
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
