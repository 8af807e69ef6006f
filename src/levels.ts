import { LoggerConfigurationError } from "./errors.ts";

/**
 * The log levels, as numbers that compare: a backend at `INFO` takes `INFO`
 * and everything above it. The wire name of a level is its lowercase key.
 *
 * @example
 * ```ts
 * import { LogLevel } from "@jinpy/logger";
 * console.log(LogLevel.ERROR > LogLevel.INFO); // true
 * ```
 */
export const LogLevel: {
  readonly TRACE: 5;
  readonly DEBUG: 10;
  readonly INFO: 20;
  readonly WARNING: 30;
  /** Alias of `WARNING` (not enumerated). */
  readonly WARN: 30;
  readonly ERROR: 40;
  readonly CRITICAL: 50;
  /** Alias of `CRITICAL` (not enumerated). */
  readonly FATAL: 50;
} = Object.freeze(
  Object.defineProperties(
    {
      TRACE: 5,
      DEBUG: 10,
      INFO: 20,
      WARNING: 30,
      ERROR: 40,
      CRITICAL: 50,
    } as const,
    { WARN: { value: 30, enumerable: false }, FATAL: { value: 50, enumerable: false } },
  ) as typeof LogLevel,
);

/** The lowest and highest level numbers: everything (0) up to `CRITICAL`. */
const MIN_LEVEL = 0;
const MAX_LEVEL = 50;

/**
 * One of the numeric values of {@link LogLevel}.
 *
 * @example
 * ```ts
 * import { LogLevel, type LogLevelValue } from "@jinpy/logger";
 * const level: LogLevelValue = LogLevel.WARNING;
 * ```
 */
export type LogLevelValue = typeof LogLevel[keyof typeof LogLevel];

/**
 * A level's name: the wire names and their aliases (`warn`, `fatal`,
 * `information`, `err`).
 *
 * @example
 * ```ts
 * import type { LevelName } from "@jinpy/logger";
 * const name: LevelName = "warning";
 * ```
 */
export type LevelName =
  | "trace"
  | "debug"
  | "info"
  | "information"
  | "warning"
  | "warn"
  | "error"
  | "err"
  | "critical"
  | "fatal";

/**
 * Anything accepted where a level is expected: a {@link LogLevel} value, a
 * number from 0 to 50, or a level name in lower, upper or capitalized case
 * (`"warn"` and `"fatal"` are aliases). A misspelled name fails type
 * checking; values read at run time are checked there.
 *
 * @example
 * ```ts
 * import type { LevelInput } from "@jinpy/logger";
 * const levels: LevelInput[] = [20, "info", "WARN", "Fatal"];
 * ```
 */
export type LevelInput = number | `${number}` | LevelName | Uppercase<LevelName> | Capitalize<LevelName>;

const NAMES: Record<string, number> = {
  trace: 5,
  debug: 10,
  info: 20,
  information: 20,
  warning: 30,
  warn: 30,
  error: 40,
  err: 40,
  critical: 50,
  fatal: 50,
};

const WIRE_NAMES: Record<number, string> = {
  5: "trace",
  10: "debug",
  20: "info",
  30: "warning",
  40: "error",
  50: "critical",
};

/**
 * Turns a level given as value, number or name into its number.
 *
 * @param level The level to read.
 * @param where What the level belongs to, used in the error message.
 * @returns The level's number.
 * @throws {LoggerConfigurationError} When the level is not known.
 *
 * @example
 * ```ts
 * import { parseLevel } from "@jinpy/logger";
 * console.log(parseLevel("Warn")); // 30
 * ```
 */
export function parseLevel(level: unknown, where = "level"): number {
  if (typeof level === "number") {
    if (Number.isFinite(level) && level >= MIN_LEVEL && level <= MAX_LEVEL) return level;
    if (Number.isFinite(level)) {
      throw new LoggerConfigurationError(
        `Log level ${level} for ${where} is outside the level range ${MIN_LEVEL}–${MAX_LEVEL}`,
        {
          details: { key: where, given: describeValue(level) },
          suggestions: [
            "Use a LogLevel value (TRACE 5 … CRITICAL 50) or a level name; to silence a backend, set enabled: false",
          ],
        },
      );
    }
  } else if (typeof level === "string") {
    const key = level.trim().toLowerCase();
    const found = NAMES[key];
    if (found !== undefined) return found;
    if (/^\d+$/.test(key)) return parseLevel(Number(key), where);
  }
  throw new LoggerConfigurationError(
    `Unknown log level ${describeValue(level)} for ${where}`,
    {
      details: { key: where, given: describeValue(level) },
      suggestions: [
        "Use one of trace, debug, info, warning (warn), error, critical (fatal), or a LogLevel value",
      ],
    },
  );
}

/**
 * The lowercase wire name of a level number: `20` → `"info"`. A number
 * between two levels takes the name of the level below it.
 *
 * @param level A level number.
 * @returns The wire name.
 *
 * @example
 * ```ts
 * import { levelName, LogLevel } from "@jinpy/logger";
 * console.log(levelName(LogLevel.CRITICAL)); // "critical"
 * ```
 */
export function levelName(level: number): string {
  const exact = WIRE_NAMES[level];
  if (exact !== undefined) return exact;
  let best = "trace";
  for (const key of [5, 10, 20, 30, 40, 50]) {
    if (level >= key) best = WIRE_NAMES[key];
  }
  return best;
}

/** A short, safe rendering of a value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol" || typeof value === "function") {
    return `a ${typeof value}`;
  }
  return String(value);
}
