/** The options of the console backend: its key table (defaults written only here) and their typed form. */
import type { NormalizedBackendConfig } from "../config/config.ts";
import { COMMON, type Format, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

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
