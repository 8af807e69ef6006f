import type { NormalizedBackendConfig } from "../config/config.ts";
import { textFormatter } from "../format.ts";
import type { LogEntry } from "../record.ts";
import { getEnv, isTerminal, onBeforeExit, onExit, type StdStream, stdTarget } from "../runtime/runtime.ts";
import { ByteWriter, type WriteOwner } from "../writer/_byte_writer.ts";
import { BaseBackend } from "./base.ts";
import { consoleOptions } from "./console_options.ts";
import { consoleOtelText, consoleOtelWanted, type ConsoleOtelWriter, consoleOtelWriter } from "./_console_otel.ts";

/** Most bytes waiting for a slow reader of a standard stream; beyond, records are dropped and counted. */
const MAX_QUEUED = 16 * 1024 * 1024;
const encoder = new TextEncoder();
/** Largest scratch buffer kept between drains. */
const SCRATCH_MAX = 1 << 20;

/**
 * One buffer per standard stream, shared by every console backend so that
 * records keep their order across loggers. Lines are handed to the stream's
 * byte writer together at the end of the current task (or sooner when the
 * buffer is large), written without blocking the caller, and written
 * synchronously on exit.
 */
class StdBuffer {
  #text = "";
  #records = 0;
  #owner: Sink | undefined = undefined;
  #scheduled = false;
  /** Reused for the bytes of each drain (see `#seal`). */
  #scratch = new Uint8Array(0);
  readonly writer: ByteWriter;
  #drain = () => this.drain();

  constructor(stream: StdStream) {
    this.writer = new ByteWriter(stdTarget(stream), MAX_QUEUED);
    // A signal's exit waits for the asynchronous write in flight (if any) to land first.
    onBeforeExit(() => this.writer.settle());
    onExit(() => {
      this.#seal();
      this.writer.flushSync();
    });
  }

  append(line: string, sink: Sink): void {
    if (sink !== this.#owner && this.#records > 0) this.#seal();
    this.#owner = sink;
    this.#text += line + "\n";
    this.#records++;
    if (this.#text.length >= 65536) this.drain();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  /**
   * Hands the lines collected to the writer. `lend`: encoded into the
   * reused scratch buffer, which the writer copies only if the bytes have to
   * wait; the caller flushes right away.
   */
  #seal(lend = false): void {
    if (this.#records === 0) return;
    const owner = this.#owner!;
    const records = this.#records;
    const text = this.#text;
    this.#text = "";
    this.#records = 0;
    let bytes: Uint8Array | undefined;
    if (lend) {
      if (this.#scratch.length < text.length) this.#scratch = new Uint8Array(text.length * 2);
      const done = encoder.encodeInto(text, this.#scratch);
      // Text of more than one byte per character may not fit: it gets a buffer of its own.
      if (done.read === text.length) bytes = this.#scratch.subarray(0, done.written);
      else lend = false;
    }
    if (!this.writer.enqueue(bytes ?? encoder.encode(text), records, owner, lend)) owner.dropped(records);
  }

  drain(): void {
    this.#scheduled = false;
    this.#seal(true);
    this.writer.flush();
    // A buffer grown for one huge record is not kept.
    if (this.#scratch.length > SCRATCH_MAX) this.#scratch = new Uint8Array(0);
  }
}

/** A console backend as its stream's writer sees it. */
interface Sink extends WriteOwner {
  /** Records refused because the reader is too slow. */
  dropped(records: number): void;
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
  #otel: ConsoleOtelWriter | undefined;
  #sink: Sink = {
    written: (records, bytes) => {
      this.stats.messagesWritten += records;
      this.stats.bytesWritten += bytes;
      if (!this.healthy) this.healthy = true;
    },
    failed: (records, error) => this.recordFailure(error ?? new Error("write failed"), records),
    dropped: (records) =>
      this.recordDrop(records, "the reader of the stream is slower than logging and 16 MiB are waiting"),
  };

  /**
   * Creates a console backend.
   *
   * @param config A `console` backend config.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const o = consoleOptions(this.config);
    this.formatter = textFormatter({
      format: o.format,
      timestampFormat: o.timestampFormat,
      useColors: o.useColors ?? autoColors(o.stream),
      showSource: o.showSource,
    });
    this.#buffer = bufferFor(o.stream);
    if (consoleOtelWanted(o.otel)) {
      if (o.format === "console" || o.format === "plain") this.formatter = consoleOtelText;
      this.#otel = consoleOtelWriter();
    }
  }

  /** Appends one formatted line to the stream's buffer. */
  protected override write(formatted: string, entry: LogEntry): void {
    if (this.#otel !== undefined) {
      // Written now, inside the caller's span, for the runtime's OpenTelemetry to export.
      this.#otel(formatted, entry);
      this.stats.messagesWritten++;
      this.stats.bytesWritten += formatted.length + 1;
      return;
    }
    this.#buffer.append(formatted, this.#sink);
  }

  /** Resolves when every record logged before the call is written (or counted lost). */
  override flush(): Promise<void> {
    this.#buffer.drain();
    return this.#buffer.writer.idle();
  }
}
