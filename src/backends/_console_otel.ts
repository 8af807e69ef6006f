/**
 * The console backend's OpenTelemetry mode: each record goes through
 * `console.debug/info/warn/error` (by level) at the moment it is logged, so
 * a runtime that exports what goes through `console` as OpenTelemetry logs
 * (Deno with `OTEL_DENO=true`, Deno Deploy) sends it with the right severity
 * and the span context active at the call, without a second exporter.
 */
import { renderContext } from "../format.ts";
import type { LogEntry } from "../record.ts";
import { escapeText } from "../serialize.ts";
import { getEnv } from "../runtime/runtime.ts";

/** Writes one formatted record through the console method of its level. */
export type ConsoleOtelWriter = (formatted: string, entry: LogEntry) => void;

/**
 * Whether the mode is on: the `otel` option when given, else whether
 * `OTEL_DENO` asks the runtime for OpenTelemetry.
 */
export function consoleOtelWanted(option: unknown): boolean {
  if (typeof option === "boolean") return option;
  const v = getEnv("OTEL_DENO")?.trim().toLowerCase();
  return v === "true" || v === "1";
}

/**
 * The writer, bound to the console methods as they are now (a later patch
 * of `console` by the application is not followed).
 */
export function consoleOtelWriter(): ConsoleOtelWriter {
  const c = globalThis.console;
  const debug = c.debug.bind(c);
  const info = c.info.bind(c);
  const warn = c.warn.bind(c);
  const error = c.error.bind(c);
  return (formatted, entry) => {
    // OpenTelemetry severities: DEBUG (trace, debug), INFO, WARN, ERROR (error, critical).
    const level = entry.level;
    if (level >= 40) error(formatted);
    else if (level >= 30) warn(formatted);
    else if (level >= 20) info(formatted);
    else debug(formatted);
  };
}

/**
 * The text of a record in this mode, for the `console` and `plain` formats:
 * `logger [correlation id] message key=value… (source)`. The time, the level
 * and the span's ids travel as the log record's own OpenTelemetry fields.
 */
export function consoleOtelText(entry: LogEntry): string {
  const cid = entry.correlationId === null ? "" : " [" + escapeText(entry.correlationId) + "]";
  const source = entry.module === null ? "" : ` (${escapeText(entry.module)}:${entry.lineNumber})`;
  return escapeText(entry.loggerName) + cid + " " + escapeText(entry.safeMessage()) +
    renderContext(entry.safeContext()) + source;
}
