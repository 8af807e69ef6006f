/**
 * Waiting on a full pipe synchronously, for the exit flush: a short sleep
 * (`Atomics.wait`, never a spin) that grows up to a cap, and the stall
 * limit past which a pipe that takes nothing is given up on.
 */
import { sleepSync } from "../runtime/runtime.ts";

/** The waits of one synchronous flush. */
export class SyncWait {
  readonly #stallMs: number;
  readonly #maxMs: number;
  #stalledSince = 0;
  #backoff = 1;

  /**
   * @param stallMs How long a pipe may take nothing before it is given up on.
   * @param maxMs Longest single sleep.
   */
  constructor(stallMs: number, maxMs: number) {
    this.#stallMs = stallMs;
    this.#maxMs = maxMs;
  }

  /** A write went through: the next full pipe is waited on afresh. */
  progressed(): void {
    this.#backoff = 1;
    this.#stalledSince = 0;
  }

  /**
   * The pipe is full: sleeps, a little longer each time, and returns true;
   * returns false once it took nothing for the stall limit. `moved`: the
   * last write call took some bytes.
   */
  full(moved: boolean): boolean {
    const now = Date.now();
    if (moved || this.#stalledSince === 0) this.#stalledSince = now;
    else if (now - this.#stalledSince >= this.#stallMs) return false;
    sleepSync(this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, this.#maxMs);
    return true;
  }
}
