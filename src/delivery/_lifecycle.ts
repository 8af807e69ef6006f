/**
 * Time and process life for the delivery pipeline: unreferenced timers,
 * deadlines, the pause after a failure, and the keep-alive that holds the
 * process open only while someone waits for delivery.
 */
import { backoffDelay } from "../retry.ts";
import { unrefTimer } from "../runtime/runtime.ts";
import type { PipelineOptions } from "./_transport.ts";

/** The longest pause between attempts while a shutdown delivers (so several attempts fit in its time). */
const DRAIN_PAUSE_MS = 1000;

/** Runs `fn` after `ms` on a timer that does not hold the process open. */
export function later(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const id = setTimeout(fn, Math.max(0, ms));
  unrefTimer(id);
  return id;
}

/**
 * How long to pause after a failure: what the receiver asked for (capped),
 * else the backoff of the `streak`-th failure in a row. While delivering
 * against a `deadline` (0: none), pauses are short and end by it.
 */
export function failurePause(after: number | undefined, streak: number, o: PipelineOptions, deadline: number): number {
  const cap = o.backoff.maxDelay * 1000;
  let ms = after !== undefined ? Math.min(after, cap) : backoffDelay(Math.max(1, streak), o.backoff);
  if (deadline > 0) {
    // Delivering against a deadline: short pauses, so that several attempts fit before it.
    const pause = Math.min(DRAIN_PAUSE_MS, Math.max(50, o.shutdownTimeoutMs / 10));
    ms = Math.min(ms, pause, Math.max(0, deadline - Date.now()));
  }
  return ms;
}

/** Resolves when `p` does or after `ms`, whichever is first; true when `p` won. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let id: ReturnType<typeof setTimeout> | undefined;
  let won = false;
  const deadline = new Promise<void>((resolve) => {
    id = later(resolve, ms);
  });
  try {
    await Promise.race([p.then(() => void (won = true)), deadline]);
  } finally {
    clearTimeout(id);
  }
  return won;
}

/**
 * Holds the process open while at least one holder needs it: timers are
 * unreferenced so an idle backend never keeps a process alive, but an
 * awaited `flush()` must.
 */
export class KeepAlive {
  #holders = 0;
  #id: ReturnType<typeof setInterval> | undefined;

  /** Holds until the returned function is called (once). */
  hold(): () => void {
    this.#holders++;
    this.#id ??= setInterval(() => {}, 1_000_000_000);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.#holders === 0 && this.#id !== undefined) {
        clearInterval(this.#id);
        this.#id = undefined;
      }
    };
  }

  /** Whether someone holds the process now. */
  get held(): boolean {
    return this.#holders > 0;
  }
}
