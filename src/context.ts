import { builtin } from "./runtime/runtime.ts";

/**
 * Implicit context: fields attached to every record logged inside a
 * function, across `await` where the runtime has `AsyncLocalStorage`
 * (Deno, Bun, Node), and for the synchronous part elsewhere.
 */

type Context = Record<string, unknown>;

interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

const ALS = builtin<{ AsyncLocalStorage?: new <T>() => AsyncLocalStorageLike<T> }>("node:async_hooks")
  ?.AsyncLocalStorage;
const storage: AsyncLocalStorageLike<Context> | undefined = ALS ? new ALS<Context>() : undefined;
let syncStore: Context | undefined;

/** The implicit context now, or undefined. */
export function currentContext(): Context | undefined {
  return storage ? storage.getStore() : syncStore;
}

/** Runs `fn` with `context` merged over the current implicit context. */
export function runWithContext<R>(context: Context, fn: () => R): R {
  const outer = currentContext();
  const merged = outer ? { ...outer, ...context } : { ...context };
  if (storage) return storage.run(merged, fn);
  const saved = syncStore;
  syncStore = merged;
  try {
    return fn();
  } finally {
    syncStore = saved;
  }
}
