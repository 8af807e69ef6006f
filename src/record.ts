import { levelName } from "./levels.ts";
import { activeSpanIds, otelRegistered } from "./otel/_trace.ts";
import { Serializer } from "./serialize.ts";
import { DIGITS3 } from "./strftime.ts";

/**
 * A record in the wire shape shared with the Python edition.
 *
 * @example
 * ```ts
 * import type { LogRecord } from "@jinpy/logger";
 * const record: LogRecord = {
 *   timestamp: "2026-01-02T03:04:05.678901+00:00", level: "info", message: "hi",
 *   logger_name: "app", correlation_id: null, context: {},
 *   module: null, function: null, line_number: null,
 * };
 * ```
 */
export interface LogRecord {
  /** ISO 8601 time in UTC with microseconds, as the Python edition writes it: `2026-11-25T10:56:14.556768+00:00`. */
  timestamp: string;
  /** Lowercase level name. */
  level: string;
  /** The message text. */
  message: string;
  /** The logger's name. */
  logger_name: string;
  /** The correlation id, or null. */
  correlation_id: string | null;
  /** Structured fields, redacted and JSON-safe. */
  context: Record<string, unknown>;
  /** Source file name when source capture is on, else null. */
  module: string | null;
  /** Source function when source capture is on, else null. */
  function: string | null;
  /** Source line when source capture is on, else null. */
  line_number: number | null;
  /** The active OpenTelemetry span's trace id (32 lowercase hex digits), when a span was active. */
  trace_id?: string;
  /** The active OpenTelemetry span's id (16 lowercase hex digits), when a span was active. */
  span_id?: string;
}

const defaultSerializer = new Serializer();

/** The context of a record logged without one; shared, frozen, serialized as `{}`. */
export const EMPTY_CONTEXT: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

let isoSecond = -1;
let isoPrefix = "";
let isoMilli = -1;
let isoMilliPrefix = "";
/** The last three digits of the microseconds with the zone: `"768+00:00"` by number. */
const MICRO_SUFFIX: readonly string[] = DIGITS3.map((d) => d + "+00:00");

/**
 * ISO 8601 UTC text of an epoch-milliseconds time in the Python edition's
 * form (`datetime.isoformat()` of an aware UTC time): microseconds and
 * `+00:00`, e.g. `2026-11-25T10:56:14.556768+00:00`. The formatted second is
 * reused across calls within the same second.
 */
export function isoTime(ms: number): string {
  // The arithmetic of `microsText`, inline: this runs once per record. The
  // text up to the millisecond is reused while the millisecond lasts.
  const total = Math.floor(ms * 1000);
  const milli = Math.floor(total / 1000);
  if (milli !== isoMilli) {
    const second = Math.floor(milli / 1000);
    if (second !== isoSecond) {
      isoSecond = second;
      isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    isoMilli = milli;
    isoMilliPrefix = isoPrefix + DIGITS3[milli - second * 1000];
  }
  return isoMilliPrefix + MICRO_SUFFIX[total - milli * 1000];
}

const perf: { now(): number } | undefined = typeof performance !== "undefined" && typeof performance.now === "function"
  ? performance
  : undefined;
let clockBase = perf === undefined ? 0 : Date.now() - perf.now();

/** Calls between two comparisons with the wall clock. */
const RESYNC_EVERY = 32;
// The anchor was just taken: the first comparison comes after RESYNC_EVERY calls.
let sinceSync = 0;

/**
 * The current time as epoch milliseconds with a sub-millisecond fraction
 * from the high-resolution clock (one clock read per call). Every 32nd call
 * also reads the wall clock: when the monotonic clock has drifted from it
 * (NTP steps, sleep), the anchor moves by the difference, so times stay
 * within a millisecond of the wall clock.
 *
 * @returns Epoch milliseconds, fractional.
 */
export function preciseNow(): number {
  if (perf === undefined) return Date.now();
  const t = clockBase + perf.now();
  if (++sinceSync < RESYNC_EVERY) return t;
  sinceSync = 0;
  const wall = Date.now();
  if (t < wall) {
    // Behind the wall clock: move the anchor up by just that much, so it
    // converges on the true offset from below.
    clockBase += wall - t;
    return wall;
  }
  if (t >= wall + 1) {
    clockBase -= t - (wall + 0.999);
    return wall + 0.999;
  }
  return t;
}

const LINE_SEPARATORS = /[\u2028\u2029]/;
const LINE_SEPARATORS_ALL = /[\u2028\u2029]/g;
const escapeSeparator = (c: string): string => c === "\u2028" ? "\\u2028" : "\\u2029";

function jsonOrNull(v: string | number | null): string {
  if (v === null) return "null";
  const json = JSON.stringify(v);
  return typeof v === "string" && LINE_SEPARATORS.test(json)
    ? json.replace(LINE_SEPARATORS_ALL, escapeSeparator)
    : json;
}

/** `","level":"info","message":` by level number. */
const levelParts: string[] = [];
function levelPart(level: number): string {
  return levelParts[level] ??= '","level":"' + levelName(level) + '","message":';
}

/** `,"logger_name":"…","correlation_id":` of the last logger name seen. */
let lastName: string | undefined;
let lastNamePart = "";
function namePart(name: string): string {
  if (name !== lastName) {
    lastNamePart = ',"logger_name":' + jsonOrNull(name) + ',"correlation_id":';
    lastName = name;
  }
  return lastNamePart;
}

const NO_SOURCE = ',"module":null,"function":null,"line_number":null}';

/**
 * One log event, built once by the logger and handed to every backend.
 * Serialization is lazy and cached, so backends that share a format share
 * the work.
 *
 * @example
 * ```ts
 * import { LogEntry, LogLevel } from "@jinpy/logger";
 * const entry = new LogEntry(LogLevel.INFO, "hello", "app", { user: "alice" });
 * console.log(entry.toJson());
 * ```
 */
export class LogEntry {
  /** Time of the call, epoch milliseconds (with a microsecond fraction). */
  timestamp: number;
  /** Level number. */
  level: number;
  /** The message as given (coerced and limited when serialized). */
  message: string;
  /** The logger's name. */
  loggerName: string;
  /** Correlation id, or null. */
  correlationId: string | null;
  /** Structured fields as given (redacted when serialized). */
  context: Record<string, unknown>;
  /** Source file name (with extension) when captured. */
  module: string | null = null;
  /** Source function when captured. */
  function: string | null = null;
  /** Source line when captured. */
  lineNumber: number | null = null;
  /** The trace id of the OpenTelemetry span active when the record was made, or null. */
  traceId: string | null = null;
  /** The id of the OpenTelemetry span active when the record was made, or null. */
  spanId: string | null = null;
  #serializer: Serializer;
  #json: string | undefined = undefined;
  #contextJson: string | undefined = undefined;
  #safeContext: Record<string, unknown> | undefined = undefined;
  #message: string | undefined = undefined;

  /**
   * Creates a record. Loggers do this; backends receive it.
   *
   * @param level Level number.
   * @param message Message text.
   * @param loggerName The logger's name.
   * @param context Structured fields.
   * @param correlationId Correlation id.
   * @param timestamp Epoch milliseconds (fractions kept as microseconds); now, from the high-resolution clock, by default.
   * @param serializer Redaction and limits; the defaults by default.
   */
  constructor(
    level: number,
    message: string,
    loggerName: string,
    context: Record<string, unknown> = {},
    correlationId: string | null = null,
    timestamp: number = preciseNow(),
    serializer: Serializer = defaultSerializer,
  ) {
    this.timestamp = timestamp;
    this.level = level;
    this.message = message;
    this.loggerName = loggerName;
    this.correlationId = correlationId;
    this.context = context;
    this.#serializer = serializer;
    if (otelRegistered()) {
      const span = activeSpanIds();
      if (span !== undefined) {
        this.traceId = span.traceId;
        this.spanId = span.spanId;
      }
    }
  }

  /** Lowercase level name, e.g. `"info"`. */
  get levelName(): string {
    return levelName(this.level);
  }

  /** ISO 8601 UTC timestamp with microseconds and `+00:00`. */
  get isoTimestamp(): string {
    return isoTime(this.timestamp);
  }

  /** The message, coerced to text, pattern-redacted and length-limited. */
  safeMessage(): string {
    return this.#message ??= this.#serializer.message(this.message);
  }

  /** The context as a redacted JSON object string. */
  contextJson(): string {
    if (this.context === EMPTY_CONTEXT) return "{}";
    return this.#contextJson ??= this.#serializer.contextJson(this.context);
  }

  /** The context as a redacted, JSON-safe plain object. */
  safeContext(): Record<string, unknown> {
    return this.#safeContext ??= this.#contextJson !== undefined
      ? JSON.parse(this.#contextJson)
      : this.#serializer.safeContext(this.context);
  }

  /**
   * The record as one JSON line (no trailing newline), keys in the wire order.
   *
   * @returns The JSON text.
   */
  toJson(): string {
    if (this.#json !== undefined) return this.#json;
    // Built from cached constant parts; each variable part is escaped on its
    // own, so the line itself is never scanned. U+2028/2029 are valid JSON but
    // split lines for some readers (Python's splitlines).
    let context = this.contextJson();
    if (LINE_SEPARATORS.test(context)) context = context.replace(LINE_SEPARATORS_ALL, escapeSeparator);
    const json = '{"timestamp":"' + isoTime(this.timestamp) + levelPart(this.level) +
      this.#serializer.messageJson(this.message) + namePart(this.loggerName) + jsonOrNull(this.correlationId) +
      ',"context":' + context +
      (this.module === null && this.function === null && this.lineNumber === null ? NO_SOURCE : ',"module":' +
        jsonOrNull(this.module) + ',"function":' + jsonOrNull(this.function) + ',"line_number":' +
        jsonOrNull(this.lineNumber) + "}");
    // The span's ids (hex, checked when read) follow the seed's keys, only when a span was active.
    return this.#json = this.traceId === null
      ? json
      : json.slice(0, -1) + ',"trace_id":"' + this.traceId + '","span_id":"' + this.spanId + '"}';
  }

  /**
   * The record as a plain object in the wire shape.
   *
   * @returns A {@link LogRecord}.
   */
  toDict(): LogRecord {
    return JSON.parse(this.toJson());
  }

  /** `JSON.stringify(entry)` gives the wire shape. */
  toJSON(): LogRecord {
    return this.toDict();
  }
}

const OWN_DIR = (() => {
  try {
    const url = import.meta.url;
    return url.slice(0, url.lastIndexOf("/src/") + 5);
  } catch {
    return "";
  }
})();

function stripScheme(s: string): string {
  return s.startsWith("file://") ? s.slice(7) : s;
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?\s*$/;

/**
 * The function's own name, as the Python edition's `funcName` gives it and
 * as every runtime can tell: V8's `K.method`, `Object.meth`, `new K`,
 * `async f` and `f [as g]` become `method`, `meth`, `K`, `f`, `f`
 * (JavaScriptCore, in Bun, reports only the bare name).
 */
function bareFunctionName(frame: string): string | null {
  let name = frame.replace(/^(?:async |new )/, "").replace(/ \[as [^\]]*\]$/, "");
  const dot = name.lastIndexOf(".");
  if (dot >= 0) name = name.slice(dot + 1);
  return name === "" || name === "<anonymous>" ? null : name;
}

/**
 * Fills `module`, `function` and `lineNumber` of an entry from the stack of
 * the current call: the first frame outside this package.
 */
export function captureSource(entry: LogEntry): void {
  const stack = new Error().stack;
  if (!stack) return;
  const own = stripScheme(OWN_DIR);
  const lines = stack.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]);
    if (!m) continue;
    const file = stripScheme(m[2]);
    if (own !== "" && file.startsWith(own)) continue;
    if (file.startsWith("node:") || file.startsWith("ext:") || file === "native") continue;
    entry.module = file.slice(file.lastIndexOf("/") + 1);
    entry.function = m[1] ? bareFunctionName(m[1]) : null;
    entry.lineNumber = Number(m[3]);
    return;
  }
}
