/**
 * The pretty printer: NDJSON records (ours and the Python edition's) as one
 * human line each, everything else passed through as it came.
 */
import { levelColor, renderContext } from "./format.ts";
import { levelName, parseLevel } from "./levels.ts";
import { escapeText } from "./serialize.ts";

/**
 * Options of {@link prettyLine} and {@link PrettyPrinter}.
 *
 * @example
 * ```ts
 * import type { PrettyOptions } from "@jinpy/logger/pretty";
 * const options: PrettyOptions = { level: "warning", loggers: ["app.db"], colors: false };
 * ```
 */
export interface PrettyOptions {
  /** Show records at this level and above. Default: all. */
  level?: string | number;
  /** Show records of these loggers and their descendants (`app.db` shows `app.db.pool`). Default: all. */
  loggers?: string[];
  /** ANSI colors. Default `false`. */
  colors?: boolean;
}

const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
const BOLD = "\x1b[1m";
const KEYS = new Set([
  "timestamp",
  "level",
  "message",
  "logger_name",
  "correlation_id",
  "context",
  "module",
  "function",
  "line_number",
  "trace_id",
  "span_id",
]);

interface Record_ {
  timestamp?: unknown;
  level: string;
  message: unknown;
  logger_name?: unknown;
  correlation_id?: unknown;
  context?: unknown;
  module?: unknown;
  function?: unknown;
  line_number?: unknown;
  trace_id?: unknown;
  span_id?: unknown;
  [key: string]: unknown;
}

/** A record, or undefined when the line is not one (not JSON, or JSON of another shape). */
function parse(line: string): Record_ | undefined {
  const start = line.trimStart();
  if (start[0] !== "{") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const r = v as Record_;
  if (typeof r.level !== "string" || !("message" in r)) return undefined;
  if (typeof r.timestamp !== "string" && typeof r.logger_name !== "string") return undefined;
  return r;
}

/** `2026-11-25T10:56:14.556768+00:00` → `2026-11-25 10:56:14.556Z`; other text as it is. */
function showTime(t: unknown): string {
  if (typeof t !== "string") return "";
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?$/i.exec(t.trim());
  if (!m) return escapeText(t);
  const frac = m[3] === undefined ? "" : "." + m[3].slice(0, 3).padEnd(3, "0");
  const zone = m[4] === undefined ? "" : /^(z|[+-]00:?00)$/i.test(m[4]) ? "Z" : m[4];
  return `${m[1]} ${m[2]}${frac}${zone}`;
}

function levelNumber(name: string): number {
  try {
    return parseLevel(name);
  } catch {
    return 20;
  }
}

function text(v: unknown): string {
  return escapeText(typeof v === "string" ? v : JSON.stringify(v) ?? String(v));
}

/**
 * The human line of one input line: a record is formatted, another line is
 * returned as it is, a record the filters leave out gives `undefined`.
 *
 * @param line One input line, without its newline.
 * @param options Filters and colors.
 * @returns The output line, or undefined.
 *
 * @example
 * ```ts
 * import { prettyLine } from "@jinpy/logger/pretty";
 * const line = '{"timestamp":"2026-01-02T03:04:05.678Z","level":"info","message":"hi","logger_name":"app","context":{"user":"alice"}}';
 * console.log(prettyLine(line)); // 2026-01-02 03:04:05.678Z INFO     app hi user=alice
 * ```
 */
export function prettyLine(line: string, options: PrettyOptions = {}): string | undefined {
  return new PrettyPrinter(options).line(line);
}

/**
 * Formats lines with fixed options (the filters are parsed once).
 *
 * @example
 * ```ts
 * import { PrettyPrinter } from "@jinpy/logger/pretty";
 * const printer = new PrettyPrinter({ level: "warning" });
 * printer.line('{"timestamp":"2026-01-02T03:04:05Z","level":"info","message":"hidden","logger_name":"app"}'); // undefined
 * ```
 */
export class PrettyPrinter {
  #min: number;
  #loggers: string[] | undefined;
  #colors: boolean;

  /**
   * Creates a printer.
   *
   * @param options Filters and colors.
   * @throws {LoggerConfigurationError} When `level` is not a level.
   */
  constructor(options: PrettyOptions = {}) {
    this.#min = options.level === undefined ? -Infinity : parseLevel(options.level, "--level");
    this.#loggers = options.loggers !== undefined && options.loggers.length > 0 ? [...options.loggers] : undefined;
    this.#colors = options.colors === true;
  }

  #wanted(name: string): boolean {
    const list = this.#loggers;
    if (list === undefined) return true;
    for (const l of list) if (name === l || name.startsWith(l + ".") || l === "") return true;
    return false;
  }

  /**
   * The output of one line; see {@link prettyLine}.
   *
   * @param line One input line, without its newline.
   * @returns The output line, or undefined when filtered out.
   */
  line(line: string): string | undefined {
    const r = parse(line.endsWith("\r") ? line.slice(0, -1) : line);
    if (r === undefined) return line;
    const level = levelNumber(r.level);
    if (level < this.#min) return undefined;
    const logger = typeof r.logger_name === "string" ? r.logger_name : "";
    if (!this.#wanted(logger)) return undefined;

    const name = levelName(level);
    const label = (KNOWN.has(r.level.toLowerCase()) ? name : r.level).toUpperCase().padEnd(8);
    const time = showTime(r.timestamp);
    const cid = typeof r.correlation_id === "string" ? " [" + escapeText(r.correlation_id) + "]" : "";
    const message = text(r.message);
    const fields: Record<string, unknown> = {};
    if (r.context !== null && typeof r.context === "object" && !Array.isArray(r.context)) {
      Object.assign(fields, r.context);
    }
    // Keys a record has beside the wire keys (other writers' extras) are shown as fields too.
    for (const k of Object.keys(r)) if (!KEYS.has(k)) fields[k] = r[k];
    if (typeof r.trace_id === "string") fields.trace_id = r.trace_id;
    if (typeof r.span_id === "string") fields.span_id = r.span_id;
    const ctx = renderContext(fields);
    let source = "";
    if (typeof r.module === "string" || typeof r.function === "string") {
      source = " (" + text(r.module ?? "?");
      if (typeof r.function === "string") source += ":" + text(r.function);
      if (typeof r.line_number === "number") source += ":" + r.line_number;
      source += ")";
    }
    const who = escapeText(logger);
    if (!this.#colors) {
      return (time ? time + " " : "") + label + " " + (who ? who + cid + " " : cid ? cid.slice(1) + " " : "") +
        message + ctx + source;
    }
    const color = levelColor(name);
    return (time ? DIM + time + RESET + " " : "") + color + label + RESET + " " +
      (who || cid ? DIM + (who ? who + cid : cid.slice(1)) + RESET + " " : "") +
      (level >= 40 ? BOLD + message + RESET : message) + (ctx ? DIM + ctx + RESET : "") +
      (source ? DIM + source + RESET : "");
  }
}

const KNOWN = new Set(["trace", "debug", "info", "warning", "warn", "error", "critical", "fatal"]);

/**
 * Splits byte chunks into lines (UTF-8, `\n`-terminated), holding a partial
 * last line until its end arrives.
 */
export class LineSplitter {
  #decoder = new TextDecoder();
  #rest = "";

  /** The complete lines of a chunk, joined to what came before. */
  push(chunk: Uint8Array): string[] {
    const text = this.#rest + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    this.#rest = lines.pop()!;
    return lines;
  }

  /** The last line, when the input did not end with a newline. */
  end(): string[] {
    const text = this.#rest + this.#decoder.decode();
    this.#rest = "";
    return text === "" ? [] : [text];
  }
}
