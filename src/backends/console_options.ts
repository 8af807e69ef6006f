/** The options of the console backend: its config as written, its key table (defaults written only here) and their typed form. */
import type { BackendConfigBase, NormalizedBackendConfig, OutputFormat } from "../config/config.ts";
import { COMMON, type Format, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

/**
 * The console backend's options.
 *
 * @example
 * ```ts
 * import { getLogger, type ConsoleBackendConfig } from "@jinpy/logger";
 * const console: ConsoleBackendConfig = { type: "console", level: "debug", showSource: true };
 * getLogger("console_app", { backends: [console] }).info("hello");
 * ```
 */
export interface ConsoleBackendConfig extends BackendConfigBase {
  /** Always `"console"`. */
  type: "console";
  /** Colors: auto (TTY, `NO_COLOR` unset, `FORCE_COLOR` honoured) when not set. */
  useColors?: boolean;
  /** Show the caller's `file.ts:line`. Default `false`. */
  showSource?: boolean;
  /** strftime format of the time column. Default `"%H:%M:%S.%f"`. */
  timestampFormat?: string;
  /** Record format: `console` (default), `json`, `plain` or `structured`. */
  format?: OutputFormat;
  /** Which standard stream. Default `"stdout"`. */
  stream?: "stdout" | "stderr";
  /**
   * Write each record through `console.debug/info/warn/error` (by level), so
   * that the runtime's OpenTelemetry (Deno with `OTEL_DENO=true`, Deno
   * Deploy) exports it with its severity and span context; when not set, on
   * where `OTEL_DENO` is `true`.
   */
  otel?: boolean;
}

/** The keys of a `console` backend. */
export const CONSOLE_KEYS: KeyTable = {
  ...COMMON,
  useColors: { kind: "boolean" },
  showSource: { kind: "boolean", default: false },
  timestampFormat: { kind: "string", default: "%H:%M:%S.%f" },
  format: { kind: "string", values: FORMATS, default: "console" },
  stream: { kind: "string", values: ["stdout", "stderr"], default: "stdout" },
  otel: { kind: "boolean" },
};

/** The console backend's options, every default applied. */
export interface ConsoleOptions {
  /** Colors on or off; undefined: on when the stream is a terminal. */
  useColors: boolean | undefined;
  showSource: boolean;
  timestampFormat: string;
  format: Format;
  stream: "stdout" | "stderr";
  /** Undefined: follow the runtime's OpenTelemetry setting. */
  otel: boolean | undefined;
}

/** The typed options of a normalized `console` config. */
export function consoleOptions(config: NormalizedBackendConfig): ConsoleOptions {
  const r = new Read(config);
  return {
    useColors: r.optBoolean("useColors"),
    showSource: r.boolean("showSource"),
    timestampFormat: r.string("timestampFormat"),
    format: r.string<Format>("format"),
    stream: r.string<"stdout" | "stderr">("stream"),
    otel: r.optBoolean("otel"),
  };
}
