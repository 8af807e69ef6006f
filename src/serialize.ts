/**
 * Safe, redacting serialization of log context. Never throws: cycles, BigInt,
 * throwing getters and Proxies, Errors with causes, Maps, Sets, typed arrays
 * and huge strings all come out as plain JSON values with explicit markers.
 */

/** The marker that replaces the value of a sensitive key. */
export const REDACTED = "[REDACTED]";

/**
 * The built-in sensitive words. A key is secret when one of these appears in
 * it as a whole word (keys split on case changes, digits, `_`, `-`, `.` and
 * spaces): `apiKey`, `x-api-key`, `accessToken`, `Set-Cookie`, `session_id`
 * are secret, `author`, `keyboard`, `monkey`, `tokenizer` are not. A word of
 * several parts (`"session id"`) matches those parts in a row.
 */
export const DEFAULT_SENSITIVE_FIELDS: readonly string[] = Object.freeze([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "token",
  "key",
  "apikey",
  "auth",
  "authorization",
  "cookie",
  "credential",
  "credentials",
  "session id",
  "sessionid",
  "jwt",
  "bearer",
  "signature",
]);

/** The lowercase words of a key or field name: `"x-apiKey_2"` → `["x", "api", "key", "2"]`. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([a-zA-Z])([0-9])/g, "$1 $2")
    .toLowerCase()
    .split(/[\s_.\-]+/)
    .filter((w) => w !== "");
}

/** Limits and redaction rules for one logger. */
export interface SerializerOptions {
  /** Words that make a key sensitive (whole words, any case); the built-in ones when not given. */
  sensitiveFields?: readonly string[];
  /** Most characters of serialized context; longer context is cut with a marker. */
  maxContextSize?: number;
  /** Most characters of a message; a longer one is cut with a marker. */
  maxMessageLength?: number;
  /** Deepest nesting kept; deeper values become `"[Object]"` / `"[Array]"`. */
  maxDepth?: number;
  /** Regular expressions over message text whose matches become `[REDACTED]`. */
  redactPatterns?: readonly (string | RegExp)[];
}

/** What `#plain` found: not plain data, plain data, plain data with sensitive keys. */
type Plainness = 0 | 1 | 2;
const NOT_PLAIN = 0;
const PLAIN = 1;
const PLAIN_REDACTED = 2;

const MAX_ARRAY = 1000;
const MAX_KEYS = 1000;
const MAX_ERROR_DEPTH = 32;
/** Room kept for the `…[truncated N chars]` marker of a cut value. */
const CUT_MARKER_ROOM = 32;
/** A value is cut rather than omitted when at least this much of it fits. */
const MIN_CUT = 16;

function truncateString(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max;
  // Do not split a surrogate pair.
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return s.slice(0, cut) + `…[truncated ${s.length - cut} chars]`;
}

const TRUNCATED_TAIL = /…\[truncated (\d+) chars\]$/;

/** `truncateString` of a text that may already carry its marker: the count covers both cuts. */
function truncateAgain(s: string, max: number): string {
  const m = TRUNCATED_TAIL.exec(s);
  if (m === null) return truncateString(s, max);
  const body = s.slice(0, m.index);
  if (body.length <= max) return s;
  let cut = max;
  const c = body.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return body.slice(0, cut) + `…[truncated ${body.length - cut + Number(m[1])} chars]`;
}

function errorMessage(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return "unknown error";
  }
}

/**
 * Serializes context and messages for one logger's configuration. Created
 * once per logger; every method is total (never throws).
 */
export class Serializer {
  /** Sensitive words, each as its parts (`[["session", "id"], ["token"]]`). */
  readonly sensitive: readonly (readonly string[])[];
  readonly maxContextSize: number;
  readonly maxMessageLength: number;
  readonly maxDepth: number;
  readonly patterns: RegExp[];

  constructor(options: SerializerOptions = {}) {
    const fields = options.sensitiveFields ?? DEFAULT_SENSITIVE_FIELDS;
    this.sensitive = fields.map((f) => keyWords(String(f))).filter((w) => w.length > 0);
    this.maxContextSize = options.maxContextSize ?? 10_000;
    this.maxMessageLength = options.maxMessageLength ?? 1_048_576;
    this.maxDepth = options.maxDepth ?? 10;
    this.patterns = (options.redactPatterns ?? []).map((p) =>
      typeof p === "string" ? new RegExp(p, "g") : new RegExp(p.source, p.flags.includes("g") ? p.flags : p.flags + "g")
    );
  }

  /** Verdicts of `isSensitive`: the same keys come back record after record. */
  #keyVerdicts = new Map<string, boolean>();
  #lastMessage: string | undefined = undefined;
  #lastMessageJson = "";

  /** Whether a key names a secret. */
  isSensitive(key: string): boolean {
    if (this.sensitive.length === 0) return false;
    let verdict = this.#keyVerdicts.get(key);
    if (verdict === undefined) {
      verdict = matchesWords(keyWords(key), this.sensitive);
      if (this.#keyVerdicts.size >= 4096) this.#keyVerdicts.clear();
      this.#keyVerdicts.set(key, verdict);
    }
    return verdict;
  }

  /**
   * A URL (or text starting with one) without credentials: the password,
   * or a lone user name, becomes `[REDACTED]`, and so does the value of each
   * query parameter whose name is sensitive. Anything else is left as written.
   */
  redactUrlText(url: string): string {
    const m = URL_PARTS.exec(url);
    if (m === null) return url;
    let [, scheme, userinfo, rest] = m;
    if (userinfo !== undefined) {
      const colon = userinfo.indexOf(":");
      userinfo = colon >= 0 ? userinfo.slice(0, colon + 1) + REDACTED + "@" : REDACTED + "@";
    }
    const q = rest.indexOf("?");
    if (q >= 0 && this.sensitive.length > 0) {
      const hash = rest.indexOf("#", q);
      const end = hash >= 0 ? hash : rest.length;
      const query = rest.slice(q + 1, end).split("&").map((pair) => {
        const eq = pair.indexOf("=");
        const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
        let name = rawName;
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, " "));
        } catch {
          // Keep the raw name.
        }
        return eq >= 0 && this.isSensitive(name) ? rawName + "=" + REDACTED : pair;
      }).join("&");
      rest = rest.slice(0, q + 1) + query + rest.slice(end);
    }
    return scheme + (userinfo ?? "") + rest + url.slice(m[0].length);
  }

  /** Text with every URL in it passed through `redactUrlText`. */
  redactUrls(text: string): string {
    return text.replace(URL_IN_TEXT, (url) => this.redactUrlText(url));
  }

  /** The message text: coerced to string, redacted by pattern, length-limited. */
  message(message: unknown): string {
    let text: string;
    if (typeof message === "string") text = message;
    else {
      try {
        text = typeof message === "object" && message !== null ? JSON.stringify(this.safe(message)) : String(message);
      } catch (e) {
        text = `[Unserializable message: ${errorMessage(e)}]`;
      }
    }
    if (text.includes("://")) text = this.redactUrls(text);
    for (const p of this.patterns) {
      p.lastIndex = 0;
      text = text.replace(p, REDACTED);
    }
    return truncateString(text, this.maxMessageLength);
  }

  /**
   * The message as a JSON string literal (see `message`), with U+2028/2029
   * escaped. The last one is kept: most call sites log a constant message.
   */
  messageJson(message: unknown): string {
    if (typeof message === "string" && message === this.#lastMessage) return this.#lastMessageJson;
    let json = JSON.stringify(this.message(message));
    if (LINE_SEPARATORS.test(json)) json = json.replace(LINE_SEPARATORS_ALL, escapeSeparator);
    if (typeof message === "string") {
      this.#lastMessage = message;
      this.#lastMessageJson = json;
    }
    return json;
  }

  /**
   * The context as a JSON object string, redacted and within
   * `maxContextSize` (plus the marker).
   */
  contextJson(context: Record<string, unknown>): string {
    // Fast path: plain data within maxDepth, where JSON.stringify (of a
    // redacted copy when a key is sensitive) writes exactly what the safe
    // walk would.
    try {
      const plain = Array.isArray(context) ? NOT_PLAIN : this.#plain(context, 0);
      if (plain !== NOT_PLAIN) {
        const json = JSON.stringify(plain === PLAIN ? context : this.#redactedCopy(context));
        if (json.length <= this.maxContextSize) return json;
      }
    } catch {
      // A Proxy or getter threw: take the safe path.
    }
    return this.limitedJson(this.safeContext(context));
  }

  /**
   * Whether an object holds only plain data: plain objects and arrays within
   * the limits, strings, booleans, null and finite numbers. The values of
   * sensitive keys are not looked at; they only ask for redaction.
   */
  #plain(obj: object, depth: number): Plainness {
    if (depth >= this.maxDepth) return NOT_PLAIN;
    let verdict: Plainness = PLAIN;
    if (Array.isArray(obj)) {
      if (obj.length > MAX_ARRAY) return NOT_PLAIN;
      for (let i = 0; i < obj.length; i++) {
        const v = this.#plainValue(obj[i], depth);
        if (v === NOT_PLAIN) return NOT_PLAIN;
        if (v === PLAIN_REDACTED) verdict = PLAIN_REDACTED;
      }
      return verdict;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
    let keys = 0;
    for (const k in obj) {
      if (++keys > MAX_KEYS || k === "__proto__") return NOT_PLAIN;
      if (this.isSensitive(k)) {
        verdict = PLAIN_REDACTED;
        continue;
      }
      const v = this.#plainValue((obj as Record<string, unknown>)[k], depth);
      if (v === NOT_PLAIN) return NOT_PLAIN;
      if (v === PLAIN_REDACTED) verdict = PLAIN_REDACTED;
    }
    return verdict;
  }

  /** A copy of plain data (see `#plain`) with the values of sensitive keys replaced. */
  #redactedCopy(value: unknown): unknown {
    if (typeof value === "string") return value.includes("://") ? this.redactUrls(value) : value;
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.#redactedCopy(value[i]);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k in value) {
      out[k] = this.isSensitive(k) ? REDACTED : this.#redactedCopy((value as Record<string, unknown>)[k]);
    }
    return out;
  }

  #plainValue(v: unknown, depth: number): Plainness {
    switch (typeof v) {
      case "string":
        return v.includes("://") && this.redactUrls(v) !== v ? PLAIN_REDACTED : PLAIN;
      case "boolean":
        return PLAIN;
      case "number":
        return Number.isFinite(v) ? PLAIN : NOT_PLAIN;
      case "object":
        return v === null ? PLAIN : this.#plain(v, depth + 1);
      default:
        return NOT_PLAIN;
    }
  }

  /** The context as a plain, JSON-safe, redacted object. */
  safeContext(context: Record<string, unknown>): Record<string, unknown> {
    const out = this.safe(context);
    return out !== null && typeof out === "object" && !Array.isArray(out)
      ? out as Record<string, unknown>
      : { value: out };
  }

  /** Any value as a plain JSON-safe value. */
  safe(value: unknown): unknown {
    return this.#walk(value, 0, new Set());
  }

  limitedJson(obj: Record<string, unknown>): string {
    let json: string;
    try {
      json = JSON.stringify(obj);
    } catch (e) {
      return JSON.stringify({ "[unserializable]": errorMessage(e) });
    }
    if (json.length <= this.maxContextSize) return json;
    // Keep whole keys in order while they fit; cut the first that does not
    // fit to the room left (a marker says how much was cut), then say what
    // was left out.
    const budget = this.maxContextSize;
    let used = 2;
    let kept = 0;
    let cutKey: string | undefined;
    const keys = Object.keys(obj);
    const parts: string[] = [];
    for (const k of keys) {
      const value = JSON.stringify(obj[k]) ?? "null";
      const name = JSON.stringify(k);
      const part = name + ":" + value;
      if (used + part.length + 1 <= budget) {
        parts.push(part);
        used += part.length + 1;
        kept++;
        continue;
      }
      const text = typeof obj[k] === "string" ? obj[k] as string : value;
      let room = budget - used - name.length - 3 - CUT_MARKER_ROOM;
      for (let attempt = 0; attempt < 3 && room >= MIN_CUT; attempt++) {
        const cut = name + ":" + JSON.stringify(truncateAgain(text, room));
        const over = used + cut.length + 1 - budget;
        if (over <= 0) {
          parts.push(cut);
          used += cut.length + 1;
          kept++;
          cutKey = k;
          break;
        }
        // Escapes made it longer than the text: cut further.
        room -= over;
      }
      break;
    }
    const omitted = keys.length - kept;
    parts.push(
      `"[truncated]":${
        JSON.stringify(
          `${cutKey !== undefined ? `"${cutKey}" cut, ` : ""}${omitted} of ${keys.length} keys omitted; ` +
            `context was ${json.length} chars, limit ${budget}`,
        )
      }`,
    );
    return "{" + parts.join(",") + "}";
  }

  #walk(value: unknown, depth: number, seen: Set<object>): unknown {
    switch (typeof value) {
      case "string":
        return truncateString(value.includes("://") ? this.redactUrls(value) : value, this.maxContextSize);
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
      return this.#walkObject(obj, depth, seen);
    } catch (e) {
      return `[Unserializable: ${errorMessage(e)}]`;
    } finally {
      seen.delete(obj);
    }
  }

  #walkObject(obj: object, depth: number, seen: Set<object>): unknown {
    if (obj instanceof Date) {
      return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
    }
    if (obj instanceof Error) {
      // Causes chain deeper than ordinary nesting, but not without end.
      return depth >= MAX_ERROR_DEPTH ? `[${errorMessage(obj)}]` : this.#walkError(obj, depth, seen);
    }
    if (depth >= this.maxDepth) return Array.isArray(obj) ? "[Array]" : "[Object]";
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
        out[i] = this.#walk(v, depth + 1, seen) ?? null;
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
        const key = typeof k === "string" ? k : String(this.#walk(k, depth + 1, seen));
        out[key] = this.isSensitive(key) ? REDACTED : this.#walk(v, depth + 1, seen);
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
        out.push(this.#walk(v, depth + 1, seen) ?? null);
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
    if (typeof URL !== "undefined" && obj instanceof URL) return this.redactUrlText(obj.href);
    if (typeof Headers !== "undefined" && obj instanceof Headers) {
      // Runtimes disagree on how a Headers object enumerates; its entries do not.
      const out: Record<string, unknown> = Object.create(null);
      obj.forEach((v, k) => {
        out[k] = this.isSensitive(k) ? REDACTED : truncateString(v, this.maxContextSize);
      });
      return out;
    }
    if (typeof URLSearchParams !== "undefined" && obj instanceof URLSearchParams) {
      const out: Record<string, unknown> = Object.create(null);
      obj.forEach((v, k) => {
        out[k] = this.isSensitive(k) ? REDACTED : truncateString(v, this.maxContextSize);
      });
      return out;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      return this.#walk(toJSON.call(obj), depth + 1, seen);
    }
    const out: Record<string, unknown> = Object.create(null);
    const keys = Object.keys(obj);
    const n = Math.min(keys.length, MAX_KEYS);
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      if (this.isSensitive(k)) {
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
      const safe = this.#walk(v, depth + 1, seen);
      if (safe !== undefined) out[k] = safe;
    }
    if (keys.length > n) out["[truncated]"] = `${keys.length - n} more keys`;
    return out;
  }

  #walkError(error: Error, depth: number, seen: Set<object>): unknown {
    const out: Record<string, unknown> = Object.create(null);
    const read = (k: string): unknown => {
      try {
        return (error as unknown as Record<string, unknown>)[k];
      } catch (e) {
        return `[Thrown: getter "${k}" threw ${errorMessage(e)}]`;
      }
    };
    out.name = this.#walk(read("name"), depth + 1, seen);
    out.message = this.#walk(read("message"), depth + 1, seen);
    const stack = read("stack");
    if (stack !== undefined) out.stack = this.#walk(stack, depth + 1, seen);
    for (const k of Object.keys(error)) {
      if (k === "cause" || k in out) continue;
      out[k] = this.isSensitive(k) ? REDACTED : this.#walk(read(k), depth + 1, seen);
    }
    if (error instanceof AggregateError) {
      out.errors = this.#walk(read("errors"), depth + 1, seen);
    }
    if ("cause" in error) {
      out.cause = this.#walk(read("cause"), depth + 1, seen);
    }
    return out;
  }
}

/** Whether the words of a key contain one of the sensitive words (its parts in a row). */
function matchesWords(words: readonly string[], sensitive: readonly (readonly string[])[]): boolean {
  for (const phrase of sensitive) {
    for (let i = 0; i + phrase.length <= words.length; i++) {
      let j = 0;
      while (j < phrase.length && words[i + j] === phrase[j]) j++;
      if (j === phrase.length) return true;
    }
  }
  return false;
}

/** `scheme://`, optional `userinfo@`, the rest (up to white space). */
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^/?#@\s]*)@)?([^\s]*)/i;
/** URLs inside free text. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

const LINE_SEPARATORS = /[\u2028\u2029]/;
const LINE_SEPARATORS_ALL = /[\u2028\u2029]/g;
const escapeSeparator = (c: string): string => c === "\u2028" ? "\\u2028" : "\\u2029";

/** Replaces the password of a URL with `[REDACTED]`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]*@/i, `$1:${REDACTED}@`);
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]|\n|\r/g;

function escapeControl(c: string): string {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    default:
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  }
}

/**
 * Escapes CR, LF, ANSI escapes and other control characters so text output
 * is always one line per record (CWE-117).
 */
export function escapeText(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, escapeControl) : text;
}
