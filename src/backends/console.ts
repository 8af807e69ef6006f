import type { NormalizedBackendConfig } from "../config/config.ts";
import { textFormatter } from "../format.ts";
import type { LogEntry } from "../record.ts";
import { getEnv, isTerminal, onExit, type StdStream, writeStd } from "../runtime/runtime.ts";
import { BaseBackend } from "./base.ts";

/**
 * One buffer per standard stream, shared by every console backend so that
 * records keep their order across loggers. Lines are written together at the
 * end of the current task (or sooner when the buffer is large) and on exit.
 */
class StdBuffer {
  #stream: StdStream;
  #text = "";
  #scheduled = false;
  #sinks = new Set<ConsoleBackend>();
  #drain = () => this.drain();

  constructor(stream: StdStream) {
    this.#stream = stream;
    onExit(this.#drain);
  }

  append(line: string, sink: ConsoleBackend): void {
    this.#text += line + "\n";
    this.#sinks.add(sink);
    if (this.#text.length >= 65536) this.drain();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  drain(): void {
    this.#scheduled = false;
    if (this.#text.length === 0) return;
    const text = this.#text;
    this.#text = "";
    let error: unknown = undefined;
    try {
      writeStd(this.#stream, text);
    } catch (e) {
      error = e ?? new Error("write failed");
    }
    for (const sink of this.#sinks) sink.settle(error);
    this.#sinks.clear();
  }
}

const buffers: Partial<Record<StdStream, StdBuffer>> = {};

function bufferFor(stream: StdStream): StdBuffer {
  return buffers[stream] ??= new StdBuffer(stream);
}

/** Whether colors are wanted on a stream: TTY and no `NO_COLOR`, or `FORCE_COLOR`. */
function autoColors(stream: StdStream): boolean {
  const force = getEnv("FORCE_COLOR");
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  const no = getEnv("NO_COLOR");
  if (no !== undefined && no !== "") return false;
  return isTerminal(stream);
}

/**
 * Writes records to stdout or stderr, as colored text, plain text, logfmt or
 * JSON lines. Control characters in messages and values are escaped, so one
 * call is always one line.
 *
 * @example
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 * const logger = getLogger("console_app", {
 *   backends: [{ type: "console", level: LogLevel.DEBUG, useColors: true, showSource: true, timestampFormat: "%H:%M:%S.%f" }],
 * });
 * logger.info("This will be colored and formatted nicely");
 * ```
 */
export class ConsoleBackend extends BaseBackend {
  #buffer: StdBuffer;
  #pending = 0;
  #pendingBytes = 0;

  /**
   * Creates a console backend.
   *
   * @param config A `console` backend config.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const stream = (this.config.stream as StdStream | undefined) ?? "stdout";
    this.formatter = textFormatter({
      format: (this.config.format as "console" | undefined) ?? "console",
      timestampFormat: this.config.timestampFormat as string | undefined,
      useColors: typeof this.config.useColors === "boolean" ? this.config.useColors : autoColors(stream),
      showSource: this.config.showSource === true,
    });
    this.#buffer = bufferFor(stream);
  }

  /** Appends one formatted line to the stream's buffer. */
  protected override write(formatted: string, _entry: LogEntry): void {
    this.#buffer.append(formatted, this);
    this.#pending++;
    this.#pendingBytes += formatted.length + 1;
  }

  /** Called by the stream buffer once the pending lines are written or lost. */
  settle(error: unknown): void {
    if (error === undefined) {
      this.stats.messagesWritten += this.#pending;
      this.stats.bytesWritten += this.#pendingBytes;
    } else {
      this.recordFailure(error, this.#pending);
    }
    this.#pending = 0;
    this.#pendingBytes = 0;
  }

  /** Writes what is buffered now. */
  override flush(): Promise<void> {
    this.#buffer.drain();
    return Promise.resolve();
  }
}
