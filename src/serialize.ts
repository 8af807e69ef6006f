/**
 * Safe, redacting serialization of log context. Never throws: cycles, BigInt,
 * throwing getters and Proxies, Errors with causes, Maps, Sets, typed arrays
 * and huge strings all come out as plain JSON values with explicit markers.
 */
import { DEFAULT_SENSITIVE_FIELDS, keyWords, matchesWords, REDACTED } from "./_sensitive.ts";
import { errorMessage, MAX_ARRAY, MAX_KEYS, walk } from "./_safe_walk.ts";
import { CUT_MARKER_ROOM, MIN_CUT, truncateAgain, truncateString } from "./_truncate.ts";

export { DEFAULT_SENSITIVE_FIELDS, keyWords, REDACTED };

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
    return walk(this, value, 0, new Set());
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
