/**
 * The one delivery pipeline of the network backends: a bounded queue of
 * records → batches (records, bytes, timeout) → a send window → retries
 * with backoff, jitter and `Retry-After` → settled (delivered, spooled, or
 * counted dropped). Flush and shutdown deadlines and the exit hooks are
 * here, once; a backend brings a `Transport` and its options.
 */
import type { BackendStats } from "../backends/base.ts";
import { describeError } from "../report.ts";
import { onBeforeExit, onExit } from "../runtime/runtime.ts";
import { type Chunk, Intake } from "./_intake.ts";
import { failurePause, KeepAlive, later, within } from "./_lifecycle.ts";
import { takeReplay } from "./_replay.ts";
import { settle, type SettleTarget } from "./_settle.ts";
import {
  Batch,
  type Outcome,
  type PipelineEvents,
  type PipelineOptions,
  type PipelineState,
  type Transport,
} from "./_transport.ts";

let orders = 0;

/** Queues, batches, sends, retries and settles the records of one backend. */
export class Pipeline {
  #in: Intake;
  #o: PipelineOptions;
  #t: Transport;
  #stats: BackendStats;
  #ev: PipelineEvents;
  #state: PipelineState = "idle";
  #window = new Set<Batch>();
  #retry: Batch[] = [];
  #replaying = false;
  #kickScheduled = false;
  #flushTarget = 0;
  #waiters: { target: number; resolve: () => void }[] = [];
  #changed: (() => void)[] = [];
  #streak = 0;
  #resumeAt = 0;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;
  #failedAt = 0;
  #lastReachable = true;
  #abort = new AbortController();
  #keepAlive = new KeepAlive();
  #closing: Promise<void> | undefined;
  #exitSeq = -1;
  #removeHooks: (() => void)[];
  #me: object;
  /** What settling a batch reads and changes here. */
  #settling: SettleTarget;

  constructor(options: PipelineOptions, transport: Transport, stats: BackendStats, events: PipelineEvents) {
    this.#o = options;
    this.#t = transport;
    this.#stats = stats;
    this.#ev = events;
    this.#me = options.spoolOwner ?? this;
    this.#settling = {
      options,
      stats,
      events,
      me: this.#me,
      newBatch: (lines, firstSeq, spooled, order, span) => this.#newBatch(lines, firstSeq, spooled, order, span),
      retry: (batch) => this.#queueRetry(batch),
      backoff: (after, failed) => this.#backoff(after, failed),
      giveUp: (lines, reason) => this.#giveUp(lines, reason),
      succeeded: () => {
        this.#streak = 0;
        this.#lastReachable = true;
      },
      answered: (reachable) => this.#lastReachable = reachable,
      streak: () => this.#streak,
      gaveUp: () => this.#gaveUp(),
    };
    this.#in = new Intake(options.maxQueueSize, options.batchSize, options.batchTimeoutMs, {
      ready: () => this.kick(),
      drop: (n, reason) => this.#dropHot(n, reason),
      spill: options.spool === undefined ? undefined : (lines) => {
        this.#toSpool(lines, "queue overflow");
        this.#checkWaiters();
        this.kick();
      },
    });
    Object.assign(stats, { batchesSent: 0, retries: 0, spooled: 0, replayed: 0 });
    this.#removeHooks = [onBeforeExit(() => this.#beforeExit()), onExit(() => this.#atExit())];
    // A spool left by an earlier run is replayed now, not only when the next record comes.
    if (options.spool?.pending) this.kick();
  }

  /** The current state. */
  get state(): PipelineState {
    return this.#state;
  }

  /** Records held in memory, not yet settled. */
  get queued(): number {
    let n = this.#in.held;
    for (const b of this.#window) if (!b.spooled) n += b.count;
    for (const b of this.#retry) n += b.count;
    return n;
  }

  #to(next: PipelineState): void {
    this.#state = next;
    for (const wake of this.#changed.splice(0)) wake();
  }

  /** Queues one record; never waits on I/O. */
  push(line: string): void {
    const s = this.#state;
    if (s === "closed" || (s === "draining" && this.#closing !== undefined)) {
      this.#ev.drop(1, "logged after shutdown");
      return;
    }
    if (s === "failed") {
      if (Date.now() - this.#failedAt < this.#o.cooldownMs) {
        this.#giveUp([line], this.#o.gaveUpReason);
        return;
      }
      // The cool-down has passed: this record starts a fresh cycle of attempts.
      this.#streak = 0;
      this.#to("idle");
    }
    this.#in.push(line);
  }

  /**
   * A drop on the logging path (a full queue): reported the first time, then
   * only counted, so that a burst of drops costs no more than the count.
   */
  #dropHot(n: number, reason: string): void {
    if (this.#hotReported === reason) this.#stats.messagesDropped += n;
    else {
      this.#hotReported = reason;
      this.#ev.drop(n, reason);
    }
  }

  #hotReported = "";

  #toSpool(lines: string[], why: string): void {
    if (lines.length === 0) return;
    const spool = this.#o.spool!;
    try {
      spool.append(lines);
      this.#stats.spooled = (this.#stats.spooled as number) + lines.length;
    } catch (e) {
      this.#stats.lastError = describeError(e);
      this.#ev.drop(lines.length, `the spool ${spool.path} could not be written (${why})`);
    }
  }

  /** Records leave memory undelivered: spooled when there is a spool, else counted dropped. */
  #giveUp(lines: string[], reason: string): void {
    if (lines.length === 0) return;
    if (this.#o.spool !== undefined) this.#toSpool(lines, reason);
    else this.#ev.drop(lines.length, reason);
  }

  /** Starts sending soon (after the current synchronous burst). */
  kick(): void {
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    queueMicrotask(() => {
      this.#kickScheduled = false;
      this.#pump();
    });
  }

  /** Fills the send window. */
  #pump(): void {
    const s = this.#state;
    if (s === "closed" || s === "backoff" || s === "failed" || this.#stopping) return;
    this.#in.spill();
    while (this.#window.size < this.#o.window) {
      const batch = this.#next();
      if (batch === undefined) break;
      this.#launch(batch);
    }
    if (this.#state === "idle" && this.#window.size > 0) this.#to("sending");
    this.#in.arm();
  }

  #newBatch(records: string[] | Chunk, firstSeq: number, spooled: boolean, order = ++orders, span = 1): Batch {
    return new Batch(this.#t.newKey(), records, firstSeq, spooled, order, span);
  }

  #next(): Batch | undefined {
    const retry = this.#retry.shift();
    if (retry !== undefined) return retry;
    const spool = this.#o.spool;
    if (spool?.pending) {
      // Spooled records are older than queued ones: queued ones go behind them.
      this.#toSpool(this.#in.takeAll(), "behind spooled records");
      this.#checkWaiters();
      if (this.#replaying || !spool.claim(this.#me)) return undefined;
      const lines = takeReplay(spool, this.#me, this.#o.batchSize, this.#ev);
      if (lines === undefined) this.#backoff(undefined, true);
      if (lines === undefined || lines.length === 0) return undefined;
      this.#replaying = true;
      return this.#newBatch(lines, -1, true);
    }
    const now = this.#state === "draining" || this.#flushTarget > this.#in.seqIn - this.#in.size;
    const cut = this.#in.cut(now, this.#o.maxBatchBytes);
    return cut === undefined ? undefined : this.#newBatch(cut, cut.firstSeq, false);
  }

  #launch(batch: Batch): void {
    this.#window.add(batch);
    const signal = this.#abort.signal;
    this.#t.send(batch, signal)
      .catch((e): Outcome => ({ kind: "retry", error: asError(e), reachable: false }))
      .then((outcome) => {
        // Not in the window any more: taken out (spooled or dropped) by a give-up while in flight, settled then.
        const held = this.#window.delete(batch);
        if (batch.spooled) this.#replaying = false;
        // An answer that came although delivery was stopping still counts: a 2xx is delivered.
        if (held || batch.spooled) {
          settle(
            batch,
            signal.aborted && (outcome.kind === "retry" || outcome.kind === "fatal") ? undefined : outcome,
            this.#settling,
          );
        }
        if (this.#window.size === 0 && this.#state === "sending") this.#to("idle");
        this.#checkWaiters();
        for (const wake of this.#changed.splice(0)) wake();
        // An aborted send means delivery is stopping: nothing new starts.
        if (!signal.aborted) this.#pump();
      });
  }

  #queueRetry(batch: Batch): void {
    let i = this.#retry.length;
    while (i > 0 && this.#retry[i - 1].order > batch.order) i--;
    this.#retry.splice(i, 0, batch);
  }

  /** Pauses sending; one pause per failure episode (batches failing together count once). */
  #backoff(after: number | undefined, failed: boolean): void {
    if (this.#state === "backoff" || this.#state === "failed" || this.#state === "closed") return;
    if (failed) this.#streak++;
    const ms = failurePause(after, this.#streak, this.#o, this.#deadline);
    this.#resumeAt = Date.now() + ms;
    this.#to("backoff");
    this.#resumeTimer = later(() => this.#resume(), ms);
  }

  #resume(): void {
    clearTimeout(this.#resumeTimer);
    this.#resumeTimer = undefined;
    if (this.#state !== "backoff") return;
    this.#to(this.#closing !== undefined ? "draining" : this.#window.size > 0 ? "sending" : "idle");
    this.#pump();
  }

  /** Too many failures in a row: everything held is spooled or dropped, and so are new records for a while. */
  #gaveUp(): void {
    clearTimeout(this.#resumeTimer);
    this.#failedAt = Date.now();
    this.#stats.lastError = `gave up after ${this.#o.giveUpAfter} reconnect attempts: ${
      this.#stats.lastError ?? "unknown error"
    }`;
    this.#ev.gaveUp(this.#stats.lastError);
    this.#to("failed");
    this.#abortWindow();
    this.#giveUp(this.#takeAll(), this.#o.gaveUpReason);
    this.#checkWaiters();
  }

  /** Every record in memory, oldest first (the window's spooled batches stay in the spool). */
  #takeAll(): string[] {
    const batches = [...this.#window, ...this.#retry].filter((b) => !b.spooled).sort((a, b) => a.order - b.order);
    this.#retry = [];
    this.#window.clear();
    this.#replaying = false;
    const lines = batches.flatMap((b) => b.lines);
    lines.push(...this.#in.takeAll());
    return lines;
  }

  #abortWindow(): void {
    const old = this.#abort;
    this.#abort = new AbortController();
    old.abort(new Error("delivery stopped"));
  }

  /** The lowest sequence number not yet delivered, spooled or dropped. */
  #lowestUnsettled(): number {
    let low = this.#in.lowest;
    for (const set of [this.#window, this.#retry]) {
      for (const b of set) if (!b.spooled && b.firstSeq >= 0 && b.firstSeq < low) low = b.firstSeq;
    }
    return low;
  }

  #checkWaiters(): void {
    if (this.#waiters.length === 0) return;
    const low = this.#lowestUnsettled();
    const ready = this.#waiters.filter((w) => w.target <= low);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.target > low);
    for (const w of ready) w.resolve();
  }

  /** Resolves when every record pushed before the call is delivered, spooled or counted dropped. */
  flush(): Promise<void> {
    const done = this.#settled();
    return this.#o.boundedFlush ? within(done, this.#o.shutdownTimeoutMs).then(() => {}) : done;
  }

  #settled(): Promise<void> {
    this.#in.spill();
    const spool = this.#o.spool;
    if (spool !== undefined && spool.pending && (this.#state === "backoff" || this.#state === "failed")) {
      // The receiver is down: queued records join the spool rather than wait.
      this.#toSpool(this.#in.takeAll(), "endpoint unreachable");
    }
    const target = this.#in.seqIn;
    if (this.#lowestUnsettled() >= target) return Promise.resolve();
    if (target > this.#flushTarget) this.#flushTarget = target;
    const release = this.#keepAlive.hold();
    const done = new Promise<void>((resolve) => this.#waiters.push({ target, resolve })).finally(release);
    this.#pump();
    return done;
  }

  /** Resolves on the next change of state or settled batch. */
  #change(): Promise<void> {
    return new Promise((resolve) => this.#changed.push(resolve));
  }

  #deadline = 0;
  /** Set while `#stop` ends what is in flight: nothing new is sent. */
  #stopping = false;

  /**
   * Delivers what is held, then replays the spool, until `deadline`. A
   * failure pause is cut short once, and later ones are short; the replay
   * goes on while the receiver answers (a refused connection ends it).
   */
  async #deliverUntil(deadline: number): Promise<void> {
    this.#deadline = deadline;
    const release = this.#keepAlive.hold();
    try {
      const spool = this.#o.spool;
      // Other backends on the same spool carry on with it.
      const shared = spool?.sharedWith(this.#me) === true;
      if (this.#state === "backoff" && !shared) this.#resume();
      await within(this.#settled(), deadline - Date.now());
      if (spool === undefined || shared) return;
      if (this.#state === "backoff" && this.#lastReachable) this.#resume();
      while (
        // A replaced backend may still hold the spool for its last batch: it wakes this one when it lets go.
        spool.pending && spool.replays(this.#me) && Date.now() < deadline && this.#state !== "failed"
      ) {
        if (this.#state === "backoff" && !this.#lastReachable) break;
        this.#pump();
        if (!(await within(this.#change(), deadline - Date.now()))) break;
      }
    } finally {
      this.#deadline = 0;
      release();
    }
  }

  /** Delivers within `shutdownTimeoutMs`, then spools or drops what is left and closes. Idempotent. */
  shutdown(): Promise<void> {
    return this.#closing ??= this.#close();
  }

  async #close(): Promise<void> {
    const deadline = Date.now() + this.#o.shutdownTimeoutMs;
    if (this.#state !== "backoff" && this.#state !== "failed") this.#to("draining");
    await this.#deliverUntil(deadline);
    await this.#stop("undelivered at shutdown");
    this.#to("closed");
    this.#in.stop();
    clearTimeout(this.#resumeTimer);
    this.#o.spool?.detach(this.#me);
    for (const remove of this.#removeHooks.splice(0)) remove();
    for (const w of this.#waiters.splice(0)) w.resolve();
    await this.#t.close(Math.max(100, Math.min(1000, deadline - Date.now())));
  }

  /** Ends what is in flight and spools (or drops) everything still in memory, in order. */
  async #stop(reason: string): Promise<void> {
    this.#stopping = true;
    try {
      const emptied = async () => {
        while (this.#window.size > 0) await this.#change();
      };
      if (this.#window.size > 0) {
        // A request in flight gets a short grace for its answer (a 2xx counts as written).
        await within(emptied(), Math.min(1000, Math.max(100, this.#o.shutdownTimeoutMs / 10)));
      }
      if (this.#window.size > 0) {
        // Still unanswered: maybe delivered. Its records are spooled (or stay in the spool) and may arrive twice.
        this.#abortWindow();
        await within(emptied(), 1000);
      }
      this.#giveUp(this.#takeAll(), reason);
      this.#checkWaiters();
    } finally {
      this.#stopping = false;
    }
  }

  /** The event loop is emptying with records undelivered: deliver them (or spool them) before the process ends. */
  async #beforeExit(): Promise<void> {
    if (this.#closing !== undefined || this.#state === "closed") return;
    const live = this.#lowestUnsettled() < this.#in.seqIn;
    if (!live && !(this.#o.spool?.pending && this.#exitSeq !== this.#in.seqIn)) return;
    this.#exitSeq = this.#in.seqIn;
    await this.#deliverUntil(Date.now() + this.#o.shutdownTimeoutMs);
    if (this.#lowestUnsettled() < this.#in.seqIn) await this.#stop("undelivered at exit");
  }

  /** The process exits now: spool what is still in memory, synchronously. */
  #atExit(): void {
    if (this.#state === "closed") return;
    this.#giveUp(this.#takeAll(), "undelivered at exit");
    this.#o.spool?.release();
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
