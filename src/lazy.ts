/**
 * Lazy context values: computed only when a backend takes the record, once.
 */

const UNSET: unique symbol = Symbol("unset");

/**
 * A context value computed when a backend first serializes the record, and
 * only then: a record below every level, sampled out, rate-limited or held
 * and discarded by fingers-crossed never runs it. The function runs at most
 * once; its value (or the marker of what it threw) is kept for every
 * backend and any later read. Create one with {@link lazy}.
 *
 * @example
 * ```ts
 * import { getLogger, lazy } from "@jinpy/logger";
 * const cache = new Map([["a", 1]]);
 * getLogger("app").debug("cache state", { entries: lazy(() => [...cache.keys()]) });
 * ```
 */
export class Lazy<T = unknown> {
  #fn: (() => T) | undefined;
  #value: T | string | typeof UNSET = UNSET;

  /**
   * Wraps `fn`; {@link lazy} is the short way to write it.
   *
   * @param fn Computes the value; what it throws becomes a marker text.
   */
  constructor(fn: () => T) {
    this.#fn = fn;
  }

  /** Whether the value has been computed. */
  get evaluated(): boolean {
    return this.#value !== UNSET;
  }

  /**
   * The value, computed on the first call. Never throws: an exception
   * becomes `"[lazy value threw: Name: message]"`.
   */
  get value(): T | string {
    if (this.#value === UNSET) {
      const fn = this.#fn;
      this.#fn = undefined;
      try {
        this.#value = typeof fn === "function" ? fn() : (undefined as T);
      } catch (e) {
        this.#value = `[lazy value threw: ${describe(e)}]`;
      }
    }
    return this.#value;
  }

  /** Serializers (ours and `JSON.stringify`) write the computed value. */
  toJSON(): T | string {
    return this.value;
  }
}

function describe(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return "unknown error";
  }
}

/**
 * A context value computed only when some backend takes the record, and at
 * most once. An exception inside becomes a marker in the record, never a
 * throw into the log call.
 *
 * @param fn Computes the value.
 * @returns A {@link Lazy} to put in a context.
 *
 * @example
 * ```ts
 * import { getLogger, lazy } from "@jinpy/logger";
 * const logger = getLogger("app");
 * const expensive = () => ({ rows: 1200, ms: 35 });
 * logger.debug("query plan", { plan: lazy(expensive) }); // not run: DEBUG is below INFO
 * logger.info("query plan", { plan: lazy(expensive) }); // run once, when written
 * ```
 */
export function lazy<T>(fn: () => T): Lazy<T> {
  return new Lazy(fn);
}
