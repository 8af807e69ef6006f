/**
 * The safe walk over hostile values: cycles, BigInt, throwing getters and
 * Proxies, Errors with causes, Maps, Sets, typed arrays and huge strings
 * become plain JSON values with explicit markers, redacted on the way.
 */
import { REDACTED } from "./_sensitive.ts";
import { truncateString } from "./_truncate.ts";

/** What the walk takes from its serializer: the limits and the redaction rules. */
export interface WalkRules {
  readonly maxDepth: number;
  readonly maxContextSize: number;
  isSensitive(key: string): boolean;
  redactUrls(text: string): string;
  redactUrlText(url: string): string;
}

/** Most items of an array or set kept. */
export const MAX_ARRAY = 1000;
/** Most keys of an object or map kept. */
export const MAX_KEYS = 1000;
const MAX_ERROR_DEPTH = 32;

/** A thrown value in words, without throwing. */
export function errorMessage(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return "unknown error";
  }
}

/** `value` as a plain JSON-safe value: redacted, within the limits, never throwing. */
export function walk(rules: WalkRules, value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
      return truncateString(value.includes("://") ? rules.redactUrls(value) : value, rules.maxContextSize);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "undefined":
      return undefined;
    case "bigint":
      return value.toString();
    case "symbol":
      return value.toString();
    case "function":
      return `[Function ${(value as { name?: string }).name || "anonymous"}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return "[Circular]";
  try {
    seen.add(obj);
    return walkObject(rules, obj, depth, seen);
  } catch (e) {
    return `[Unserializable: ${errorMessage(e)}]`;
  } finally {
    seen.delete(obj);
  }
}

function walkObject(rules: WalkRules, obj: object, depth: number, seen: Set<object>): unknown {
  if (obj instanceof Date) {
    return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  }
  if (obj instanceof Error) {
    // Causes chain deeper than ordinary nesting, but not without end.
    return depth >= MAX_ERROR_DEPTH ? `[${errorMessage(obj)}]` : walkError(rules, obj, depth, seen);
  }
  if (depth >= rules.maxDepth) return Array.isArray(obj) ? "[Array]" : "[Object]";
  if (Array.isArray(obj)) {
    const n = Math.min(obj.length, MAX_ARRAY);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let v: unknown;
      try {
        v = obj[i];
      } catch (e) {
        v = `[Thrown: index ${i}: ${errorMessage(e)}]`;
      }
      out[i] = walk(rules, v, depth + 1, seen) ?? null;
    }
    if (obj.length > n) out.push(`[${obj.length - n} more items]`);
    return out;
  }
  if (obj instanceof Map) {
    const out: Record<string, unknown> = Object.create(null);
    let i = 0;
    for (const [k, v] of obj) {
      if (i++ >= MAX_KEYS) {
        out["[truncated]"] = `${obj.size - MAX_KEYS} more entries`;
        break;
      }
      const key = typeof k === "string" ? k : String(walk(rules, k, depth + 1, seen));
      out[key] = rules.isSensitive(key) ? REDACTED : walk(rules, v, depth + 1, seen);
    }
    return out;
  }
  if (obj instanceof Set) {
    const out: unknown[] = [];
    for (const v of obj) {
      if (out.length >= MAX_ARRAY) {
        out.push(`[${obj.size - MAX_ARRAY} more items]`);
        break;
      }
      out.push(walk(rules, v, depth + 1, seen) ?? null);
    }
    return out;
  }
  if (ArrayBuffer.isView(obj)) {
    const name = obj.constructor?.name ?? "TypedArray";
    if (obj instanceof DataView || typeof (obj as unknown as { length?: unknown }).length !== "number") {
      return `[${name} ${obj.byteLength} bytes]`;
    }
    const arr = obj as unknown as ArrayLike<number | bigint>;
    if (arr.length > 64) return `[${name}(${arr.length})]`;
    return Array.from(arr, (x) => typeof x === "bigint" ? x.toString() : x);
  }
  if (obj instanceof ArrayBuffer) return `[ArrayBuffer ${obj.byteLength} bytes]`;
  if (obj instanceof RegExp) return String(obj);
  if (typeof URL !== "undefined" && obj instanceof URL) return rules.redactUrlText(obj.href);
  if (typeof Headers !== "undefined" && obj instanceof Headers) {
    // Runtimes disagree on how a Headers object enumerates; its entries do not.
    const out: Record<string, unknown> = Object.create(null);
    obj.forEach((v, k) => {
      out[k] = rules.isSensitive(k) ? REDACTED : truncateString(v, rules.maxContextSize);
    });
    return out;
  }
  if (typeof URLSearchParams !== "undefined" && obj instanceof URLSearchParams) {
    const out: Record<string, unknown> = Object.create(null);
    obj.forEach((v, k) => {
      out[k] = rules.isSensitive(k) ? REDACTED : truncateString(v, rules.maxContextSize);
    });
    return out;
  }
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return walk(rules, toJSON.call(obj), depth + 1, seen);
  }
  const out: Record<string, unknown> = Object.create(null);
  const keys = Object.keys(obj);
  const n = Math.min(keys.length, MAX_KEYS);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (rules.isSensitive(k)) {
      out[k] = REDACTED;
      continue;
    }
    let v: unknown;
    try {
      v = (obj as Record<string, unknown>)[k];
    } catch (e) {
      out[k] = `[Thrown: getter "${k}" threw ${errorMessage(e)}]`;
      continue;
    }
    const safe = walk(rules, v, depth + 1, seen);
    if (safe !== undefined) out[k] = safe;
  }
  if (keys.length > n) out["[truncated]"] = `${keys.length - n} more keys`;
  return out;
}

function walkError(rules: WalkRules, error: Error, depth: number, seen: Set<object>): unknown {
  const out: Record<string, unknown> = Object.create(null);
  const read = (k: string): unknown => {
    try {
      return (error as unknown as Record<string, unknown>)[k];
    } catch (e) {
      return `[Thrown: getter "${k}" threw ${errorMessage(e)}]`;
    }
  };
  out.name = walk(rules, read("name"), depth + 1, seen);
  out.message = walk(rules, read("message"), depth + 1, seen);
  const stack = read("stack");
  if (stack !== undefined) out.stack = walk(rules, stack, depth + 1, seen);
  for (const k of Object.keys(error)) {
    if (k === "cause" || k in out) continue;
    out[k] = rules.isSensitive(k) ? REDACTED : walk(rules, read(k), depth + 1, seen);
  }
  if (error instanceof AggregateError) {
    out.errors = walk(rules, read("errors"), depth + 1, seen);
  }
  if ("cause" in error) {
    out.cause = walk(rules, read("cause"), depth + 1, seen);
  }
  return out;
}
