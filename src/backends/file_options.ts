/** The options of the file backend: its config as written, its key table (defaults written only here) and their typed form. */
import type { BackendConfigBase, NormalizedBackendConfig, OutputFormat } from "../config/config.ts";
import { LoggerConfigurationError } from "../errors.ts";
import { COMMON, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

/**
 * The file backend's options.
 *
 * @example
 * ```ts
 * import type { FileBackendConfig } from "@jinpy/logger";
 * const file: FileBackendConfig = { type: "file", filePath: "logs/app-{date}.log", maxSizeMb: 100, backupCount: 10, compression: true };
 * ```
 */
export interface FileBackendConfig extends BackendConfigBase {
  /** Always `"file"`. */
  type: "file";
  /** Path; `{date}` expands to the local `YYYY-MM-DD`. Default `"logs/app.log"`. */
  filePath?: string;
  /** Rotate before the file would pass this size, in MB (fractions allowed; 0 or `null` = never). Default 100. */
  maxSizeMb?: number | null;
  /** Rotated files kept; 0 keeps one (`.1`), as the Python edition does. Default 5. */
  backupCount?: number;
  /** Gzip rotated files. Default `false`. */
  compression?: boolean;
  /** Only `"utf-8"`. */
  encoding?: string;
  /** Buffered bytes that trigger a write. Default 65536. */
  bufferSize?: number;
  /** Seconds between timed writes. Default 1. */
  flushInterval?: number;
  /** Write off the logging path. Default `true`. */
  asyncEnabled?: boolean;
  /** Record format: `json` (default, one record per line), `plain`, `console` (no colors) or `structured`. */
  format?: OutputFormat;
  /** strftime format of the time column of the text formats. Default `"%Y-%m-%d %H:%M:%S.%f"`. */
  timestampFormat?: string;
  /** Show the caller's `file.ts:line` in the text formats. Default `false`. */
  showSource?: boolean;
  /**
   * Epoch milliseconds deciding the day of `{date}`; the record's own
   * timestamp when not set. For tests and replays.
   */
  clock?: () => number;
}

/** The keys of a `file` backend. */
export const FILE_KEYS: KeyTable = {
  ...COMMON,
  filePath: { kind: "string", default: "logs/app.log" },
  maxSizeMb: { kind: "number", min: 0, default: 100, nullMeans: 0 },
  backupCount: { kind: "integer", min: 0, default: 5 },
  compression: { kind: "boolean", default: false },
  encoding: { kind: "string", values: ["utf-8", "utf8"], default: "utf-8" },
  bufferSize: { kind: "integer", min: 0, default: 65536 },
  flushInterval: { kind: "number", min: 0, default: 1 },
  asyncEnabled: { kind: "boolean", default: true },
  format: { kind: "string", values: FORMATS, default: "json" },
  showSource: { kind: "boolean", default: false },
  timestampFormat: { kind: "string", default: "%Y-%m-%d %H:%M:%S.%f" },
  clock: { kind: "any" },
};

/** The file backend's options, every default applied. */
export interface FileOptions {
  filePath: string;
  maxSizeMb: number;
  backupCount: number;
  compression: boolean;
  bufferSize: number;
  /** Seconds. */
  flushInterval: number;
  /** Epoch milliseconds for rotation dates; undefined: the system clock. */
  clock: (() => number) | undefined;
}

/** The typed options of a normalized `file` config. */
export function fileOptions(config: NormalizedBackendConfig): FileOptions {
  const r = new Read(config);
  return {
    filePath: r.string("filePath"),
    maxSizeMb: r.number("maxSizeMb"),
    backupCount: r.number("backupCount"),
    compression: r.boolean("compression"),
    bufferSize: r.number("bufferSize"),
    flushInterval: r.number("flushInterval"),
    clock: clockOf(r.any("clock")),
  };
}

function clockOf(clock: unknown): (() => number) | undefined {
  if (clock !== undefined && typeof clock !== "function") {
    throw new LoggerConfigurationError(
      `Invalid logger configuration at backend (file): "clock" expected a function returning epoch milliseconds`,
      { details: { key: "clock" } },
    );
  }
  return clock as (() => number) | undefined;
}
