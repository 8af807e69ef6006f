import type { OutputFormat } from "./config/config.ts";
import type { LogEntry } from "./record.ts";
import { escapeText } from "./serialize.ts";
import { compileStrftime } from "./strftime.ts";

/** Options of the text formats. */
export interface TextFormatOptions {
  format: OutputFormat;
  timestampFormat?: string;
  useColors?: boolean;
  showSource?: boolean;
}

const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
const LEVEL_COLORS: Record<string, string> = {
  trace: "\x1b[90m",
  debug: "\x1b[36m",
  info: "\x1b[32m",
  warning: "\x1b[33m",
  error: "\x1b[31m",
  critical: "\x1b[1;41;97m",
};

/** The ANSI color sequence of a level name. */
export function levelColor(name: string): string {
  return LEVEL_COLORS[name] ?? "";
}

// deno-lint-ignore no-control-regex
const BARE = /^[^\s"'=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;

/** A context value as it stands after `key=` in text output. */
export function renderValue(value: unknown): string {
  if (typeof value === "string") return BARE.test(value) ? value : escapeText(JSON.stringify(value));
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (value === undefined) return "undefined";
  return escapeText(JSON.stringify(value) ?? "null");
}

// deno-lint-ignore no-control-regex
const LOGFMT_BARE = /^[^\s"=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;
// deno-lint-ignore no-control-regex
const LOGFMT_KEY_UNSAFE = /[\s"=\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A value as logfmt readers (go-logfmt, Grafana's `| logfmt`) parse it back:
 * bare when it holds no space, quote, `=`, backslash or control character,
 * otherwise a quoted string with JSON escapes. Objects and arrays are their
 * JSON text, quoted.
 */
export function logfmtValue(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  else if (value === undefined) return "undefined";
  else text = JSON.stringify(value) ?? "null";
  return LOGFMT_BARE.test(text) ? text : escapeText(JSON.stringify(text));
}

/** A key as logfmt allows it: spaces, quotes, `=` and control characters become `_`; never empty. */
export function logfmtKey(key: string): string {
  const safe = key.replace(LOGFMT_KEY_UNSAFE, "_");
  return safe === "" ? "_" : safe;
}

/** ` key=value key2=value2` for a safe context; empty when there is none. */
export function renderContext(context: Record<string, unknown>): string {
  let out = "";
  for (const k in context) out += " " + escapeText(k) + "=" + renderValue(context[k]);
  return out;
}

/**
 * Builds the formatter of one text or JSON format. Text output escapes
 * control characters so that a record is always one line.
 */
export function textFormatter(options: TextFormatOptions): (entry: LogEntry) => string {
  // Only the console format is colored; plain is plain even on a TTY.
  const colors = options.useColors === true && options.format === "console";
  const showSource = options.showSource === true;
  switch (options.format) {
    case "json":
      return (entry) => entry.toJson();
    case "structured":
      return (entry) => {
        let out = "timestamp=" + entry.isoTimestamp + " level=" + entry.levelName + " logger=" +
          logfmtValue(entry.loggerName) + " message=" + logfmtValue(entry.safeMessage());
        if (entry.correlationId !== null) out += " correlation_id=" + logfmtValue(entry.correlationId);
        const context = entry.safeContext();
        for (const k in context) out += " " + logfmtKey(k) + "=" + logfmtValue(context[k]);
        if (showSource && entry.module !== null) out += " source=" + logfmtValue(`${entry.module}:${entry.lineNumber}`);
        // The keys Grafana and OpenTelemetry tooling look for to link a line to its trace.
        if (entry.traceId !== null) out += " trace_id=" + entry.traceId + " span_id=" + entry.spanId;
        return out;
      };
    default: {
      const time = compileStrftime(options.timestampFormat ?? "%H:%M:%S.%f");
      const plain = options.format === "plain";
      return (entry) => {
        const name = entry.levelName;
        const label = name.toUpperCase().padEnd(8);
        const ctx = renderContext(entry.safeContext());
        const cid = entry.correlationId === null ? "" : " [" + escapeText(entry.correlationId) + "]";
        const source = showSource && entry.module !== null ? ` (${escapeText(entry.module)}:${entry.lineNumber})` : "";
        const logger = escapeText(entry.loggerName);
        const message = escapeText(entry.safeMessage());
        if (colors) {
          return DIM + time(entry.timestamp) + RESET + " " + levelColor(name) + label + RESET + " " + DIM + logger +
            cid + RESET + " " + message + (ctx ? DIM + ctx + RESET : "") + (source ? DIM + source + RESET : "");
        }
        return time(entry.timestamp) + " " + label + " " + logger + cid + (plain ? ": " : " ") + message + ctx + source;
      };
    }
  }
}
