/**
 * The one byte writer behind the console and file backends. It owns a queue
 * of encoded chunks of whole lines and writes them to a `ByteTarget`:
 *
 * - a short write resumes at the exact next byte;
 * - a full non-blocking pipe (`EAGAIN`) is waited on with a short, growing
 *   back-off on a timer (synchronously, with `Atomics.wait`, at exit) —
 *   never spun on;
 * - a target that blocks but can write asynchronously (`writeAsync`) gets
 *   one write in flight at a time, and the next resumes at the exact byte
 *   count it reports; only the exit hook writes to it synchronously;
 * - memory is bounded: a chunk that would take the queue past `maxBytes` is
 *   refused and its owner counts the records as dropped;
 * - a record counts as written when its last byte is; after a hard error
 *   (full disk, closed pipe) the records whose last byte was written count
 *   as written, the rest of a line already begun stays queued (so a line is
 *   never torn: it is completed by a later retry, or removed by the owner
 *   when given up), and every later record counts as failed.
 */
import { type ByteTarget, isWouldBlock, STALL_MS, unrefTimer } from "../runtime/runtime.ts";
import { type Chunk, creditFinished, restOfLine, type WriteOwner } from "./_chunk.ts";
import { SyncWait } from "./_sync_wait.ts";

export { countNewlines, type WriteOwner } from "./_chunk.ts";

/** Most bytes joined into one write call when several chunks wait. */
const JOIN_MAX = 1 << 20;
/** Longest back-off after a full pipe, in milliseconds. */
const BACKOFF_MAX_MS = 20;
/** Longest back-off after a hard error (a full disk) before the line begun is tried again. */
const RETRY_MAX_MS = 1000;

/**
 * A queue of whole lines written to one byte target, in order.
 *
 * @example
 * ```ts ignore
 * const writer = new ByteWriter(stdTarget("stdout"), 16 * 1024 * 1024);
 * writer.enqueue(new TextEncoder().encode("one\ntwo\n"), 2, owner);
 * writer.flush();
 * await writer.idle();
 * ```
 */
export class ByteWriter {
  /** Where bytes go; may be replaced while nothing is queued. */
  target: ByteTarget;
  #max: number;
  #queue: Chunk[] = [];
  #queuedBytes = 0;
  /** How many queued chunks hold the caller's bytes. */
  #borrowed = 0;
  #seq = 0;
  #settled = 0;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #backoff = 1;
  /** The head chunk holds the rest of a line begun on the target before a hard error. */
  #blocked = false;
  #lastError: unknown = undefined;
  /** Bytes of the asynchronous write in flight, or undefined. */
  #inFlight: number | undefined = undefined;
  /** Tells a settled asynchronous write whether it is still the one in flight. */
  #flightId = 0;
  /** No new asynchronous write starts: the process is about to end. */
  #paused = false;
  #landedWaiters: (() => void)[] = [];
  #retry = (): void => {
    this.#timer = undefined;
    this.#run();
  };

  /**
   * @param target Where bytes go.
   * @param maxBytes Most bytes queued; more is refused.
   */
  constructor(target: ByteTarget, maxBytes: number) {
    this.target = target;
    this.#max = maxBytes;
  }

  /** Bytes waiting. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Whether nothing waits. */
  get empty(): boolean {
    return this.#queue.length === 0;
  }

  /** Whether a line begun on the target waits to be completed after a hard error. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** The last hard error, or undefined. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * Queues `bytes` (whole lines, `records` of them) for `owner`. Returns
   * false, queuing nothing, when that would take the queue past its bound.
   * `borrowed` bytes are copied if they have to wait.
   */
  enqueue(bytes: Uint8Array, records: number, owner: WriteOwner, borrowed = false): boolean {
    if (bytes.length === 0) return true;
    if (this.#queuedBytes + bytes.length > this.#max && this.#queue.length > 0) return false;
    this.#queue.push({ bytes, offset: 0, records, owner, borrowed, seq: ++this.#seq });
    if (borrowed) this.#borrowed++;
    this.#queuedBytes += bytes.length;
    return true;
  }

  /**
   * Writes what it can now, unless it waits on a full pipe; never blocks.
   * After a hard error it tries again at once (the disk may have room now).
   */
  flush(): void {
    if (this.#inFlight !== undefined) return this.#keepBorrowed();
    if (this.#timer !== undefined) {
      if (!this.#blocked) return this.#keepBorrowed();
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#run();
  }

  /**
   * Writes everything now, waiting on a full pipe with `Atomics.wait`, for
   * the exit hooks. Gives up on a pipe that takes nothing for `stallMs`
   * (counting what is left as failed). A hard error leaves the line begun
   * queued, as `flush` does.
   */
  flushSync(stallMs: number = STALL_MS): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight !== undefined) {
      // The write in flight is small enough to complete whole, and the
      // target writes it before any synchronous write: count it as done.
      const n = this.#inFlight;
      this.#landed();
      this.#advance(n);
    }
    const wait = new SyncWait(stallMs, BACKOFF_MAX_MS);
    while (this.#queue.length > 0) {
      const before = this.#queuedBytes;
      const outcome = this.#writeSome();
      if (outcome === "error") return;
      if (outcome === "ok") wait.progressed();
      else if (!wait.full(this.#queuedBytes < before)) {
        this.abandon(new Error(`output took nothing for ${stallMs} ms`));
        return;
      }
    }
  }

  /**
   * Resolves when every chunk queued before the call is written or counted
   * lost, or a hard error holds the queue (the line begun is retried later;
   * what follows it was counted as failed).
   */
  idle(): Promise<void> {
    const seq = this.#seq;
    if (this.#settled >= seq || this.#blocked) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /**
   * Gives up on everything queued: counts it as failed with `error` and
   * returns how many bytes of a line begun are on the target (for the owner
   * to remove).
   */
  abandon(error: unknown): number {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#landed();
    const head = this.#queue[0];
    if (head !== undefined && head.offset > 0) {
      // Records completed within the head chunk (only when it was not cut down to one line).
      const finished = creditFinished(head);
      this.#failAll(error);
      this.#blocked = false;
      return head.offset - finished;
    }
    this.#failAll(error);
    this.#blocked = false;
    return 0;
  }

  #failAll(error: unknown): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const c of queue) {
      if (c.records > 0) c.owner.failed(c.records, error);
      this.#settled = c.seq;
    }
    this.#wake();
  }

  #run(): void {
    if (this.target.writeAsync !== undefined) {
      this.#startAsync();
      return;
    }
    while (this.#queue.length > 0) {
      const outcome = this.#writeSome();
      if (outcome === "again") {
        // A full pipe empties as its reader reads: this timer holds the process open until then.
        this.#arm(this.#backoff, false);
        this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
        this.#keepBorrowed();
        return;
      }
      if (outcome === "error") {
        // A line begun waits for room. A full disk may stay full: this retry
        // must not hold the process open (the exit hooks give up on it).
        if (this.#blocked) this.#arm(this.#backoff = Math.min(Math.max(this.#backoff * 2, 50), RETRY_MAX_MS), true);
        this.#keepBorrowed();
        return;
      }
      this.#backoff = 1;
    }
  }

  #arm(ms: number, unref: boolean): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(this.#retry, ms);
    if (unref) unrefTimer(this.#timer);
  }

  /** Copies the bytes of waiting chunks that belong to the caller. */
  #keepBorrowed(): void {
    if (this.#borrowed === 0) return;
    this.#borrowed = 0;
    for (const c of this.#queue) {
      if (!c.borrowed) continue;
      // Whole, offset kept: a chunk's length is what it credits once written.
      c.bytes = c.bytes.slice();
      c.borrowed = false;
    }
  }

  /** Forgets the asynchronous write in flight: whatever it settles with is ignored. */
  #landed(): void {
    this.#inFlight = undefined;
    this.#flightId++;
    if (this.#landedWaiters.length > 0) { for (const w of this.#landedWaiters.splice(0)) w(); }
  }

  /**
   * Before the process ends: starts no new asynchronous write and resolves
   * when none is in flight, so the exit hook's synchronous write cannot
   * overtake one (undefined when none is). Writing resumes on the next task
   * if the process goes on.
   */
  settle(): Promise<void> | undefined {
    if (this.#inFlight === undefined) return undefined;
    this.#paused = true;
    return new Promise((resolve) => {
      this.#landedWaiters.push(() => {
        resolve();
        setTimeout(() => {
          this.#paused = false;
          this.flush();
        }, 0);
      });
    });
  }

  /** Starts one asynchronous write of what waits, unless one is in flight. */
  #startAsync(): void {
    if (this.#inFlight !== undefined || this.#paused || this.#queue.length === 0) return;
    const head = this.#queue[0];
    // The bytes are read after this call returns: the caller's buffers must be copied.
    this.#keepBorrowed();
    const max = this.target.asyncMax ?? JOIN_MAX;
    let data = this.#nextData(max);
    if (data.length > max) data = data.subarray(0, max);
    const id = ++this.#flightId;
    this.#inFlight = data.length;
    let p: Promise<number>;
    try {
      p = this.target.writeAsync!(data);
    } catch (e) {
      this.#landed();
      this.#asyncFailed(e);
      return;
    }
    p.then((n) => {
      if (id !== this.#flightId) return;
      this.#landed();
      if (!(n > 0)) {
        this.#arm(this.#backoff, false);
        this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
        return;
      }
      this.#backoff = 1;
      const queue = this.#queue;
      this.#advance(Math.min(n, data.length));
      if (this.#blocked && (queue.length === 0 || queue[0] !== head)) this.#blocked = false;
      this.#startAsync();
    }, (e) => {
      if (id !== this.#flightId) return;
      this.#landed();
      this.#asyncFailed(e);
    });
  }

  #asyncFailed(e: unknown): void {
    if (isWouldBlock(e)) {
      this.#arm(this.#backoff, false);
      this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
      return;
    }
    this.#hardError(e);
    if (this.#blocked) this.#arm(this.#backoff = Math.min(Math.max(this.#backoff * 2, 50), RETRY_MAX_MS), true);
  }

  /** The bytes of the next write: the head's rest, or several whole chunks joined. */
  #nextData(limit: number = JOIN_MAX): Uint8Array {
    const queue = this.#queue;
    const head = queue[0];
    if (queue.length > 1 && head.offset === 0 && head.bytes.length < limit) {
      // Several chunks wait (several backends on one stream, or a back-off): one call for them.
      let size = 0;
      let k = 0;
      while (k < queue.length && size + queue[k].bytes.length <= limit) size += queue[k++].bytes.length;
      if (k === 1) return head.bytes;
      const data = new Uint8Array(size);
      let at = 0;
      for (let i = 0; i < k; i++) {
        data.set(queue[i].bytes, at);
        at += queue[i].bytes.length;
      }
      return data;
    }
    return head.offset === 0 ? head.bytes : head.bytes.subarray(head.offset);
  }

  /** One write call: "ok" (some progress), "again" (full pipe) or "error" (hard error, handled). */
  #writeSome(): "ok" | "again" | "error" {
    const queue = this.#queue;
    const head = queue[0];
    const data = this.#nextData();
    let n: number;
    try {
      n = this.target.write(data);
    } catch (e) {
      if (isWouldBlock(e)) return "again";
      this.#hardError(e);
      return "error";
    }
    if (!(n > 0)) return "again";
    this.#advance(n);
    if (this.#blocked && (queue.length === 0 || queue[0] !== head)) this.#blocked = false;
    return "ok";
  }

  /** Moves `n` written bytes through the queue, settling the chunks completed. */
  #advance(n: number): void {
    const queue = this.#queue;
    this.#queuedBytes -= n;
    let completed = 0;
    while (n > 0 && completed < queue.length) {
      const c = queue[completed];
      const left = c.bytes.length - c.offset;
      if (n < left) {
        c.offset += n;
        break;
      }
      n -= left;
      c.offset = c.bytes.length;
      completed++;
    }
    if (completed === 0) return;
    const done = completed === queue.length ? queue.splice(0) : queue.splice(0, completed);
    for (const c of done) {
      c.owner.written(c.records, c.bytes.length);
      this.#settled = c.seq;
    }
    this.#wake();
  }

  /**
   * After a hard error: records finished in the head chunk count as written,
   * the rest of a line begun stays queued, everything else fails.
   */
  #hardError(error: unknown): void {
    this.#lastError = error;
    const head = this.#queue[0];
    let keep: Chunk | undefined;
    if (head.offset > 0) {
      const finished = creditFinished(head);
      if (finished < head.offset) {
        // A line begun: keep exactly its rest, so it can be completed.
        keep = restOfLine(head, finished);
        head.records -= 1;
      }
    }
    const rest = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    let reported = false;
    for (const c of rest) {
      if (c.records > 0 || (!reported && c === head)) {
        c.owner.failed(c.records, error);
        reported = true;
      }
      if (c !== head || keep === undefined) this.#settled = Math.max(this.#settled, c.seq);
    }
    if (keep !== undefined) {
      this.#queue.push(keep);
      this.#queuedBytes = keep.bytes.length - keep.offset;
      this.#blocked = true;
    }
    this.#wake();
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const settled = this.#settled;
    const blocked = this.#blocked;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.seq > settled && !blocked) return true;
      w.resolve();
      return false;
    });
  }
}
