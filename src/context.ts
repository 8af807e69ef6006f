import { builtin } from "./runtime/runtime.ts";
import { Serializer } from "./serialize.ts";

/**
 * Implicit context: fields attached to every record logged inside a
 * function, across `await` where the runtime has `AsyncLocalStorage`
 * (Deno, Bun, Node), and for the synchronous part elsewhere.
 */

type Context = Record<string, unknown>;

/**
 * One `withContext` call: its merged fields, the scope it runs in, and
 * whether it has ended (the function returned, or its promise settled).
 */
export interface Scope {
  /** The merged fields of this scope and every enclosing one. */
  readonly fields: Context;
  /** The enclosing scope, or undefined. */
  readonly parent: Scope | undefined;
  /** True once the function has returned or its promise has settled. */
  ended: boolean;
  /** Called once when the scope ends. */
  onEnd: (() => void)[] | undefined;
}

interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

/**
 * The scopes' storage, made at the first `withContext`: until then there is
 * no implicit context, and `node:async_hooks` is not loaded (on Deno that
 * costs more start-up time than the rest of the package).
 */
let storage: AsyncLocalStorageLike<Scope> | undefined;
let storageMade = false;
let syncStore: Scope | undefined;

function scopeStorage(): AsyncLocalStorageLike<Scope> | undefined {
  if (!storageMade) {
    storageMade = true;
    const ALS = builtin<{ AsyncLocalStorage?: new <T>() => AsyncLocalStorageLike<T> }>("node:async_hooks")
      ?.AsyncLocalStorage;
    storage = ALS ? new ALS<Scope>() : undefined;
  }
  return storage;
}

/** Turns hostile or non-plain values into plain fields; redaction and limits come later, per logger. */
const plainer = new Serializer({ sensitiveFields: [], maxContextSize: Number.MAX_SAFE_INTEGER, redactPatterns: [] });

/** Whether `value` is an object whose own enumerable keys are its fields (no class, no Proxy trap fired). */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Fields of a context given as a whole (to a log call, `bind`, `withContext`
 * or a config): a plain object as it is, anything else (an `Error`, a `Map`,
 * a class instance, a Proxy whose traps throw, a primitive) as the same
 * plain object the serializer would write for it. Never throws.
 */
export function contextFields(value: unknown): Context {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object") return { value };
  try {
    if (isPlainObject(value)) {
      // Reading every field once proves that no getter or trap throws.
      return { ...value };
    }
  } catch {
    // Falls through to the serializer, which marks what could not be read.
  }
  return plainer.safeContext(value as Context);
}

/**
 * Merges context layers, later ones winning, without ever throwing: a layer
 * that cannot be spread goes through {@link contextFields} first.
 */
export function mergeContext(base: Context | undefined, over: unknown): Context {
  try {
    if (typeof over === "object" && over !== null && isPlainObject(over)) return { ...base, ...over };
  } catch {
    // Hostile layer: handled below.
  }
  return { ...base, ...contextFields(over) };
}

/**
 * The context of one record: config, bound, implicit and call layers, the
 * call's winning. Never throws; a call context that is not a plain object
 * (an `Error`, a `Map`, a Proxy) gives the fields the serializer would
 * write for it alone, so a record looks the same with or without `bind`.
 */
export function mergeCall(
  base: Context | undefined,
  bound: Context | undefined,
  implicit: Context | undefined,
  call: Context,
): Context {
  try {
    const proto = Object.getPrototypeOf(call);
    if (proto === Object.prototype || proto === null) return { ...base, ...bound, ...implicit, ...call };
  } catch {
    // Hostile: handled below.
  }
  return { ...base, ...bound, ...implicit, ...contextFields(call) };
}

/** The implicit context now, or undefined. */
export function currentContext(): Context | undefined {
  return (storage ? storage.getStore() : syncStore)?.fields;
}

/** The innermost `withContext` scope now, or undefined. */
export function currentScope(): Scope | undefined {
  return storage ? storage.getStore() : syncStore;
}

function endScope(scope: Scope): void {
  if (scope.ended) return;
  scope.ended = true;
  const hooks = scope.onEnd;
  scope.onEnd = undefined;
  if (hooks !== undefined) {
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // A hook never breaks the caller's function.
      }
    }
  }
}

/**
 * Runs `fn` with `context` merged over the current implicit context. The
 * context never makes it throw: hostile fields become markers.
 */
export function runWithContext<R>(context: Context, fn: () => R): R {
  const outer = currentScope();
  const scope: Scope = { fields: mergeContext(outer?.fields, context), parent: outer, ended: false, onEnd: undefined };
  let result: R;
  let async = false;
  try {
    const store = scopeStorage();
    if (store) result = store.run(scope, fn);
    else {
      const saved = syncStore;
      syncStore = scope;
      try {
        result = fn();
      } finally {
        syncStore = saved;
      }
    }
    if (result instanceof Promise) {
      async = true;
      return result.finally(() => endScope(scope)) as R;
    }
    return result;
  } finally {
    if (!async) endScope(scope);
  }
}
