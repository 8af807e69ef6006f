/**
 * Time and process life for the delivery pipeline: unreferenced timers,
 * deadlines, and the keep-alive that holds the process open only while
 * someone waits for delivery.
 */
import { unrefTimer } from "../runtime/runtime.ts";

/** Runs `fn` after `ms` on a timer that does not hold the process open. */
export function later(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const id = setTimeout(fn, Math.max(0, ms));
  unrefTimer(id);
  return id;
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
