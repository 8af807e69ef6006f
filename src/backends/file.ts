import type { NormalizedBackendConfig } from "../config/config.ts";
import { LoggerBackendError } from "../errors.ts";
import type { LogEntry } from "../record.ts";
import { type AppendHandle, fileSystem, writeBlocker } from "../runtime/file.ts";
import { onExit, unrefTimer } from "../runtime/runtime.ts";
import { ByteWriter, countNewlines, type WriteOwner } from "../writer/_byte_writer.ts";
import { BaseBackend } from "./base.ts";
import { type PathState, recoverBackups, stateOf } from "./_file_compressor.ts";
import { dayOf } from "./_file_names.ts";
import { blockedError, endTornLine, openError, openLog } from "./_file_open.ts";
import { rotate, type RotationOwner } from "./_file_rotation.ts";
import { fileOptions } from "./file_options.ts";

const MB = 1024 * 1024;
const NEWLINE = 10;
/** Largest encoding scratch buffer kept between writes. */
const SCRATCH_MAX = 4 * MB;
const encoder = new TextEncoder();

/** Records formatted for a file the backend has moved away from (a new day). */
interface Sealed {
  path: string;
  bytes: Uint8Array;
  records: number;
}

/**
 * Writes records to a file, one per line: JSON by default, or the `plain`,
 * `console` (without colors) and `structured` text formats.
 *
 * Records are collected in memory and written in large chunks: when
 * `bufferSize` bytes are waiting, every `flushInterval` seconds, on `flush()`,
 * on `shutdown()`, and synchronously when the process exits, so a script
 * that ends without `shutdown()` loses nothing. With `asyncEnabled` (the
 * default) the write happens after the logging call returns.
 *
 * Before a record would take the file past `maxSizeMb`, the file is rotated:
 * `app.log` → `app.log.1` → `app.log.2` …, keeping `backupCount` backups.
 * With `compression`, rotated files become `app.log.N.gz` in the background.
 * `{date}` in `filePath` is the local `YYYY-MM-DD`; the first record of a
 * new day goes to the new day's file. A new process appends to the file it
 * finds and counts the backups earlier runs left, plain or gzipped.
 *
 * @example File backend with rotation
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 *
 * const logger = getLogger("file_app", {
 *   backends: [{
 *     type: "file",
 *     level: LogLevel.INFO,
 *     filePath: "logs/app-{date}.log",
 *     maxSizeMb: 100,
 *     backupCount: 10,
 *     compression: true,
 *     encoding: "utf-8",
 *   }],
 * });
 * logger.info("This will be written to a rotating log file");
 * await logger.shutdown();
 * ```
 */
export class FileBackend extends BaseBackend {
  #template: string;
  #dated: boolean;
  #clock: (() => number) | undefined;
  #dayStart = 0;
  #dayEnd = Infinity;
  /** Where the records in `#text` go. */
  #path: string;
  #maxBytes: number;
  #backupCount: number;
  #compression: boolean;
  #bufferSize: number;
  /** Above this many buffered characters even an async backend writes in the logging call. */
  #hardLimit: number;
  #flushMs: number;
  #async: boolean;

  #text = "";
  #records = 0;
  /** Records of `#path` already encoded, waiting to be written: `#stashed` bytes of `#bytes`. */
  #bytes = new Uint8Array(0);
  #stashed = 0;
  #stashedRecords = 0;
  #sealed: Sealed[] | undefined = undefined;
  #file: AppendHandle | undefined = undefined;
  #filePath = "";
  /** Paths this backend wrote, whose compressions `flush()` waits for. */
  #states = new Set<PathState>();
  /** Writes the bytes: resumes short writes, keeps a line begun on a full disk to complete it later. */
  #writer: ByteWriter;
  #owner: WriteOwner = {
    written: (records, bytes) => {
      this.stats.messagesWritten += records;
      this.stats.bytesWritten += bytes;
      if (!this.healthy) this.healthy = true;
    },
    failed: (records, error) => this.recordFailure(error, records),
  };
  /** Tells rotations and gzips what they did. */
  #backups: RotationOwner = {
    name: this.name,
    stats: this.stats,
    failed: (error) => this.recordFailure(error, 0, true),
    release: () => this.#closeFile(),
    watch: (state) => this.#states.add(state),
  };

  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  #removeExitHook: () => void;

  #drainTask = (): void => {
    this.#scheduled = false;
    this.#writeBuffered();
  };
  #timerTask = (): void => {
    this.#timer = undefined;
    this.#writeBuffered();
  };

  /**
   * Creates the backend and opens its file (creating parent folders).
   *
   * @param config A `file` backend config.
   * @throws {LoggerBackendError} When the file cannot be written: no
   *   permission, a directory in the way, or no file system.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const o = fileOptions(this.config);
    this.#template = o.filePath;
    this.#dated = this.#template.includes("{date}");
    this.#clock = o.clock;
    this.#maxBytes = Math.floor(o.maxSizeMb * MB);
    // 0 keeps one rotated file (`.1`), as the Python edition does, instead of deleting the live file's records.
    this.#backupCount = Math.max(1, o.backupCount);
    this.#compression = o.compression;
    this.#bufferSize = o.bufferSize;
    this.#hardLimit = Math.max(this.#bufferSize * 16, MB);
    this.#flushMs = Math.round(o.flushInterval * 1000);
    this.#async = this.isAsyncEnabled();
    this.stats.rotations = 0;
    this.stats.compressions = 0;
    this.stats.rotationConflicts = 0;
    this.#writer = new ByteWriter({ write: () => 0 }, Infinity);
    this.#path = this.#pathAt(this.#clock === undefined ? Date.now() : this.#clock());

    if (this.config.enabled) {
      const blocker = writeBlocker(this.#path);
      if (blocker !== undefined) throw blockedError(this.name, this.#path, blocker);
      try {
        this.#fileFor(this.#path);
      } catch (e) {
        throw openError(this.name, this.#path, e);
      }
    }
    this.#removeExitHook = onExit(() => {
      // A line begun on a full disk gets one more try, then is cut off.
      if (!this.#writer.empty) this.#writer.flush();
      this.#writeBuffered();
      if (!this.#writer.empty) this.#giveUp();
    });
  }

  /** The file records go to now (with `{date}` expanded). */
  get currentPath(): string {
    return this.#path;
  }

  /**
   * Takes one record: formats it into the buffer and, when the buffer is
   * full, writes it (after the call returns, unless `asyncEnabled` is off).
   */
  override handle(entry: LogEntry): void {
    if (!this.shouldHandle(entry)) return;
    if (this.#closed) {
      this.recordDrop(1, "record logged after shutdown");
      return;
    }
    if (this.#dated) {
      const now = this.#clock === undefined ? entry.timestamp : this.#clock();
      if (now >= this.#dayEnd || now < this.#dayStart) this.#changeDay(now);
    }
    this.#text += this.formatter(entry);
    this.#text += "\n";
    this.#records++;
    if (this.#text.length >= this.#bufferSize) {
      if (!this.#async) this.#writeBuffered();
      else if ((this.#stash(), this.#stashed >= this.#hardLimit)) this.#writeBuffered();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(this.#drainTask);
      }
    } else if (this.#timer === undefined) {
      this.#armTimer();
    }
  }

  /**
   * Writes what is buffered and waits for the compressions of the rotations
   * that happened so far; records and rotations after the call do not make
   * it wait longer.
   */
  override async flush(): Promise<void> {
    this.#writeBuffered();
    const waits: Promise<void>[] = [];
    for (const state of this.#states) {
      const last = state.jobs[state.jobs.length - 1];
      if (last !== undefined) waits.push(last.done);
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /**
   * Writes what is buffered, waits for pending compressions and closes the
   * file. Idempotent; records handled afterwards are dropped and counted.
   */
  override shutdown(): Promise<void> {
    return this.#closing ??= this.#close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    if (!this.#writer.empty) this.#writer.flush();
    if (!this.#writer.empty) this.#giveUp();
    this.#closeFile();
    this.#removeExitHook();
  }

  #armTimer(): void {
    if (this.#flushMs <= 0) {
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(this.#drainTask);
      }
      return;
    }
    this.#timer = setTimeout(this.#timerTask, this.#flushMs);
    unrefTimer(this.#timer);
  }

  /** The path for a moment, updating the current day's bounds. */
  #pathAt(now: number): string {
    if (!this.#dated) return this.#template;
    const day = dayOf(now);
    this.#dayStart = day.start;
    this.#dayEnd = day.end;
    return this.#template.replaceAll("{date}", day.date);
  }

  #changeDay(now: number): void {
    const path = this.#pathAt(now);
    if (path === this.#path) return;
    if (this.#records > 0 || this.#stashed > 0) {
      if (this.#async) {
        this.#stash();
        (this.#sealed ??= []).push({
          path: this.#path,
          bytes: this.#bytes.slice(0, this.#stashed),
          records: this.#stashedRecords,
        });
        this.#stashed = 0;
        this.#stashedRecords = 0;
        if (!this.#scheduled) {
          this.#scheduled = true;
          queueMicrotask(this.#drainTask);
        }
      } else {
        this.#writeBuffered();
      }
    }
    this.#path = path;
  }

  /** Writes every buffered record, synchronously. */
  #writeBuffered(): void {
    if (this.#sealed !== undefined) {
      const sealed = this.#sealed;
      this.#sealed = undefined;
      for (const s of sealed) this.#writeBytes(s.path, s.bytes, s.records);
    }
    this.#stash();
    if (this.#stashedRecords === 0) return;
    const records = this.#stashedRecords;
    const bytes = this.#bytes.subarray(0, this.#stashed);
    this.#stashed = 0;
    this.#stashedRecords = 0;
    this.#writeBytes(this.#path, bytes, records);
    // A buffer grown for one huge burst or record is not kept.
    if (this.#bytes.length > SCRATCH_MAX) this.#bytes = new Uint8Array(0);
  }

  /**
   * Encodes the buffered text behind the stashed bytes. The text stays a
   * short string this way (a long one costs the collector more than the
   * copy), while the file still gets few, large writes.
   */
  #stash(): void {
    if (this.#records === 0) return;
    const text = this.#text;
    const need = this.#stashed + text.length * 3;
    if (this.#bytes.length < need) {
      const grown = new Uint8Array(Math.max(need, this.#hardLimit + this.#bufferSize * 3));
      grown.set(this.#bytes.subarray(0, this.#stashed));
      this.#bytes = grown;
    }
    this.#stashed += encoder.encodeInto(text, this.#bytes.subarray(this.#stashed)).written;
    this.#stashedRecords += this.#records;
    this.#text = "";
    this.#records = 0;
  }

  /**
   * Appends whole lines to `path`, rotating between records whenever the
   * next would take the file past `maxSizeMb`. A record counts as written
   * when its last byte is; on a full disk the line begun is kept to be
   * completed by the next write (never left torn) and the rest count as
   * failed.
   */
  #writeBytes(path: string, bytes: Uint8Array, records: number): void {
    const writer = this.#writer;
    if (!writer.empty) {
      // A line begun before the disk filled comes first.
      writer.flush();
      if (!writer.empty) {
        this.recordFailure(writer.lastError ?? new Error("an earlier write is still pending"), records);
        return;
      }
    }
    let offset = 0;
    let counted = 0;
    try {
      let file = this.#fileFor(path);
      let limited = this.#maxBytes > 0;
      while (offset < bytes.length) {
        let end = bytes.length;
        const size = file.size();
        if (limited && size + (end - offset) > this.#maxBytes) {
          const room = this.#maxBytes - size;
          end = room > 0 ? bytes.lastIndexOf(NEWLINE, offset + room - 1) + 1 : 0;
          if (end <= offset) {
            if (size > 0) {
              if (!this.#rotate(path)) limited = false;
              file = this.#fileFor(path);
              continue;
            }
            // One record larger than maxSizeMb: it gets a file of its own.
            end = bytes.indexOf(NEWLINE, offset) + 1 || bytes.length;
          }
        }
        const whole = offset === 0 && end === bytes.length;
        const slice = whole ? bytes : bytes.subarray(offset, end);
        const n = whole ? records : countNewlines(slice, 0, slice.length);
        counted += n;
        offset = end;
        writer.enqueue(slice, n, this.#owner, true);
        writer.flush();
        if (!writer.empty) {
          // The disk is full: the writer counted this part; the rest is lost.
          if (records > counted) this.recordFailure(writer.lastError, records - counted);
          return;
        }
      }
    } catch (e) {
      this.recordFailure(e, records - counted);
    }
  }

  /**
   * Gives up on a line begun on a full disk: counts it as failed and cuts
   * its first bytes off the file again, so no torn line stays behind.
   */
  #giveUp(): void {
    const partial = this.#writer.abandon(this.#writer.lastError ?? new Error("the file could not be written"));
    const file = this.#file;
    if (partial <= 0 || file === undefined) return;
    try {
      file.truncate(file.stat().size - partial);
    } catch (e) {
      this.recordFailure(e, 0, true);
    }
  }

  /**
   * The open file for `path`, opening it (and its folders) when needed, or
   * again when another writer has rotated or removed it. Refreshes the size
   * from the OS, so other writers' bytes count toward `maxSizeMb`.
   */
  #fileFor(path: string): AppendHandle {
    const fs = fileSystem;
    if (fs === undefined) throw new LoggerBackendError("this runtime has no file system");
    if (this.#file !== undefined && this.#filePath === path) {
      const mine = this.#file.stat();
      const onDisk = fs.stat(path);
      if (onDisk !== undefined && (mine.ino === 0 || onDisk.ino === mine.ino)) return this.#file;
    }
    this.#closeFile();
    const file = openLog(fs, path);
    this.#file = file;
    this.#filePath = path;
    this.#writer.target = { write: (bytes) => file.write1(bytes) };
    endTornLine(fs, path, file);
    const state = stateOf(path);
    this.#states.add(state);
    if (!state.recovered) {
      state.recovered = true;
      recoverBackups(path, state, this.#backupCount, this.#compression, this.#backups);
    }
    return file;
  }

  #closeFile(): void {
    const file = this.#file;
    this.#file = undefined;
    this.#filePath = "";
    if (file === undefined) return;
    try {
      file.close();
    } catch {
      // Already closed or gone: nothing left to release.
    }
  }

  /** Rotates `path` (see `rotate`); false when it did not, and the file stays as it is. */
  #rotate(path: string): boolean {
    const mine = this.#file !== undefined && this.#filePath === path ? this.#file.stat().ino : 0;
    return rotate(path, mine, this.#backupCount, this.#compression, this.#backups);
  }
}
