import type { NormalizedBackendConfig } from "../config/config.ts";
import { LoggerBackendError } from "../errors.ts";
import { gzipInto } from "../gzip.ts";
import type { LogEntry } from "../record.ts";
import { describeError, reportOnce } from "../report.ts";
import { type AppendHandle, basename, dirname, fileSystem, type ReadHandle, writeBlocker } from "../runtime/file.ts";
import { processAlive, processId } from "../runtime/_process.ts";
import { onExit, unrefTimer } from "../runtime/runtime.ts";
import { ByteWriter, countNewlines, type WriteOwner } from "../writer/_byte_writer.ts";
import { BaseBackend } from "./base.ts";
import { fileOptions } from "./file_options.ts";

const MB = 1024 * 1024;
const NEWLINE = 10;
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);
/** Largest encoding scratch buffer kept between writes. */
const SCRATCH_MAX = 4 * MB;
const encoder = new TextEncoder();

/** Records formatted for a file the backend has moved away from (a new day). */
interface Sealed {
  path: string;
  text: string;
  records: number;
}

/**
 * A rotated file waiting to be gzipped. It is found by its inode, not its
 * index: other processes shift the numbered backups at any time.
 */
interface CompressionJob {
  base: string;
  ino: number;
  cancelled: boolean;
  /** Resolves once the job is done, skipped or cancelled. */
  done: Promise<void>;
  finish: () => void;
}

function newJob(base: string, ino: number): CompressionJob {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => finish = resolve);
  return { base, ino, cancelled: false, done, finish };
}

/** Gzips in progress in this process, numbering their `.partial` files. */
let partialSeq = 0;
/** `<pid>-<n>.gz.partial` after `base.`: the owner of a gzip in progress. */
const PARTIAL = /^([0-9]+)-[0-9]+\.gz\.partial$/;
/** How often a finished gzip retries the rotation lock another process holds. */
const LOCK_RETRY_MS = 2;
/** Times a gzip starts over when its file grew meanwhile (a late write from a process that had not noticed the rotation). */
const GZIP_ATTEMPTS = 3;

/** A lock older than this is left from a process that died while rotating. */
const STALE_LOCK_MS = 30_000;

/** A backup of `base` found on disk: `base.N` or `base.N.gz`. */
interface Backup {
  index: number;
  gz: boolean;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The backups of `path` in its directory, newest (lowest index) first. */
function listBackups(path: string): Backup[] {
  const prefix = basename(path) + ".";
  const out: Backup[] = [];
  for (const name of fileSystem!.readDir(dirname(path))) {
    if (!name.startsWith(prefix)) continue;
    let rest = name.slice(prefix.length);
    const gz = rest.endsWith(".gz");
    if (gz) rest = rest.slice(0, -3);
    if (!/^[1-9][0-9]*$/.test(rest)) continue;
    out.push({ index: Number(rest), gz });
  }
  return out.sort((a, b) => a.index - b.index || Number(a.gz) - Number(b.gz));
}

/** The index of the plain backup of `path` that is file `ino`, if any. */
function findPlain(path: string, ino: number): number | undefined {
  if (ino === 0) return undefined;
  for (const b of listBackups(path)) {
    if (!b.gz && fileSystem!.stat(backupPath(path, b.index, false))?.ino === ino) return b.index;
  }
  return undefined;
}

/**
 * What every backend writing the same path in this process shares: the
 * queue of rotated files to gzip and whether an earlier run's leftovers were tidied.
 */
interface PathState {
  jobs: CompressionJob[];
  compressor: Promise<void> | undefined;
  recovered: boolean;
}

const pathStates = new Map<string, PathState>();

function stateOf(path: string): PathState {
  const key = path.replace(/^(\.\/)+/, "");
  let state = pathStates.get(key);
  if (state === undefined) pathStates.set(key, state = { jobs: [], compressor: undefined, recovered: false });
  return state;
}

function backupPath(base: string, index: number, gz: boolean): string {
  return gz ? `${base}.${index}.gz` : `${base}.${index}`;
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
  #sealed: Sealed[] | undefined = undefined;
  #scratch = new Uint8Array(0);
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
      if (blocker !== undefined) {
        throw new LoggerBackendError(`File backend cannot write to "${this.#path}": ${blocker}`, {
          details: { backend: this.name, path: this.#path, permission: "write" },
          suggestions: [
            blocker.includes("--allow")
              ? `Run with --allow-read --allow-write (or --allow-write=${dirname(this.#path)} --allow-read=${
                dirname(this.#path)
              })`
              : "Use a console or network backend on this runtime",
          ],
        });
      }
      try {
        this.#fileFor(this.#path);
      } catch (e) {
        throw this.#openError(this.#path, e);
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
      if (!this.#async || this.#text.length >= this.#hardLimit) this.#writeBuffered();
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
    const d = new Date(now);
    const y = d.getFullYear();
    const m = d.getMonth();
    const day = d.getDate();
    this.#dayStart = new Date(y, m, day).getTime();
    this.#dayEnd = new Date(y, m, day + 1).getTime();
    return this.#template.replaceAll("{date}", `${y}-${pad2(m + 1)}-${pad2(day)}`);
  }

  #changeDay(now: number): void {
    const path = this.#pathAt(now);
    if (path === this.#path) return;
    if (this.#records > 0) {
      if (this.#async) {
        (this.#sealed ??= []).push({ path: this.#path, text: this.#text, records: this.#records });
        this.#text = "";
        this.#records = 0;
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
      for (const s of sealed) this.#writeText(s.path, s.text, s.records);
    }
    if (this.#records === 0) return;
    const text = this.#text;
    const records = this.#records;
    this.#text = "";
    this.#records = 0;
    this.#writeText(this.#path, text, records);
  }

  #encode(text: string): Uint8Array {
    const need = text.length * 3;
    if (need > SCRATCH_MAX) return encoder.encode(text);
    if (this.#scratch.length < need) this.#scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(need, 65536) * 2));
    return this.#scratch.subarray(0, encoder.encodeInto(text, this.#scratch).written);
  }

  /**
   * Appends whole lines to `path`, rotating between records whenever the
   * next would take the file past `maxSizeMb`. A record counts as written
   * when its last byte is; on a full disk the line begun is kept to be
   * completed by the next write (never left torn) and the rest count as
   * failed.
   */
  #writeText(path: string, text: string, records: number): void {
    const writer = this.#writer;
    if (!writer.empty) {
      // A line begun before the disk filled comes first.
      writer.flush();
      if (!writer.empty) {
        this.recordFailure(writer.lastError ?? new Error("an earlier write is still pending"), records);
        return;
      }
    }
    const bytes = this.#encode(text);
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
    fs.mkdirp(dirname(path));
    if (fs.stat(path)?.isDirectory) {
      throw Object.assign(new Error(`EISDIR: "${path}" is a directory`), { code: "EISDIR" });
    }
    const file = fs.openAppend(path);
    this.#file = file;
    this.#filePath = path;
    this.#writer.target = { write: (bytes) => file.write1(bytes) };
    // A run that died mid-write may have left half a line: end it, so the
    // next record starts on a line of its own.
    if (file.size() > 0) {
      let last = NEWLINE;
      try {
        last = fs.tail(path, 1)[0];
      } catch {
        // Not readable: append as it is.
      }
      if (last !== NEWLINE) file.writeSync(NEWLINE_BYTES);
    }
    const state = stateOf(path);
    this.#states.add(state);
    if (!state.recovered) {
      state.recovered = true;
      this.#recoverBackups(path, state);
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

  #openError(path: string, e: unknown): LoggerBackendError {
    const code = errorCode(e);
    const reason = code === "EACCES" || code === "EPERM"
      ? `permission denied (no write permission for "${path}" or its folder)`
      : code === "EISDIR"
      ? "the path is a directory"
      : code === "ENOTDIR"
      ? "a parent of the path is not a directory"
      : code === "EROFS"
      ? "the file system is read-only"
      : code === "ENOSPC"
      ? "no space left on the device"
      : describeError(e);
    return new LoggerBackendError(`File backend cannot write to "${path}": ${reason}`, {
      details: { backend: this.name, path, code: code ?? null },
      suggestions: ["Point filePath at a writable file in a folder the process may create or write"],
      cause: e,
    });
  }

  /**
   * Shifts the backups of `path` up by one (dropping those past
   * `backupCount`) and moves `path` to `path.1`. Returns false when the
   * rotation failed; the caller then keeps appending to the same file.
   */
  #rotate(path: string): boolean {
    const fs = fileSystem!;
    const mine = this.#file !== undefined && this.#filePath === path ? this.#file.stat().ino : 0;
    const lock = `${path}.lock`;
    let locked = false;
    try {
      locked = this.#lock(lock);
      if (!locked) {
        // Another process is rotating this file right now: keep appending; its
        // rename moves our file aside and the next write reopens the new one.
        this.stats.rotationConflicts = (this.stats.rotationConflicts as number) + 1;
        reportOnce(
          `${this.name}:file:rotation-conflict`,
          `${this.name} backend: another process rotates "${path}" too; rotations wait their turn through "${lock}" (counted in getStats().rotationConflicts)`,
        );
        return false;
      }
      const onDisk = fs.stat(path);
      if (mine !== 0 && (onDisk === undefined || onDisk.ino !== mine)) {
        // Rotated by another process since we measured: write to the new file
        // (which the next write creates when none is there yet).
        this.stats.rotationConflicts = (this.stats.rotationConflicts as number) + 1;
        return true;
      }
      this.#closeFile();
      const backups = listBackups(path);
      const state = stateOf(path);
      for (let i = backups.length - 1; i >= 0; i--) {
        const b = backups[i];
        const from = backupPath(path, b.index, b.gz);
        if (b.index >= this.#backupCount) {
          if (!b.gz) this.#cancel(state, path, fs.stat(from)?.ino ?? 0);
          fs.remove(from);
        } else fs.rename(from, backupPath(path, b.index + 1, b.gz));
      }
      if (this.#backupCount > 0) {
        fs.rename(path, backupPath(path, 1, false));
        // The file now at `.1`, whichever file that was: no other rotation runs while the lock is held.
        const ino = fs.stat(backupPath(path, 1, false))?.ino ?? 0;
        if (this.#compression) this.#enqueue(state, newJob(path, ino));
      } else {
        fs.remove(path);
      }
      this.stats.rotations = (this.stats.rotations as number) + 1;
      return true;
    } catch (e) {
      this.recordFailure(e, 0, true);
      return false;
    } finally {
      if (locked) {
        try {
          fs.remove(lock);
        } catch {
          // Left behind: the next rotation finds it stale.
        }
      }
    }
  }

  /** Stops gzipping file `ino` of `path`, which a rotation drops. */
  #cancel(state: PathState, path: string, ino: number): void {
    if (ino === 0) return;
    for (const job of state.jobs) if (job.base === path && job.ino === ino) job.cancelled = true;
  }

  /**
   * Runs `fn` holding the rotation lock of `path`, waiting while another
   * process holds it (it does only for a few renames).
   */
  async #withLock<T>(path: string, fn: () => T): Promise<T> {
    const lock = `${path}.lock`;
    while (!this.#lock(lock)) await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    try {
      return fn();
    } finally {
      try {
        fileSystem!.remove(lock);
      } catch {
        // Left behind: the next rotation finds it stale.
      }
    }
  }

  /** Takes the rotation lock of a path (shared with other processes); false when another holds it. */
  #lock(lock: string): boolean {
    const fs = fileSystem!;
    if (fs.createExclusive(lock)) return true;
    const info = fs.stat(lock);
    // Released meanwhile: only try again, for the lock seen gone may be another process's new one by now.
    if (info === undefined) return fs.createExclusive(lock);
    if (Date.now() - info.mtimeMs < STALE_LOCK_MS) return false;
    fs.remove(lock);
    return fs.createExclusive(lock);
  }

  /**
   * Puts the backups of an earlier run in order: drops the partial gzips of
   * processes that are gone, drops a plain backup whose `.gz` is complete
   * (when no other process is rotating right now), and gzips the remaining
   * plain ones when compression is on.
   */
  #recoverBackups(path: string, state: PathState): void {
    const fs = fileSystem!;
    const lock = `${path}.lock`;
    let locked = false;
    try {
      // The name earlier versions used for every gzip in progress.
      fs.remove(`${path}.gz.partial`);
      const prefix = basename(path) + ".";
      for (const name of fs.readDir(dirname(path))) {
        if (!name.startsWith(prefix)) continue;
        const owner = PARTIAL.exec(name.slice(prefix.length));
        if (owner !== null && !processAlive(Number(owner[1]))) fs.remove(`${dirname(path)}/${name}`);
      }
      locked = this.#lock(lock);
      const backups = listBackups(path);
      const zipped = new Set(backups.filter((b) => b.gz).map((b) => b.index));
      for (const b of backups) {
        if (b.gz) continue;
        const plain = backupPath(path, b.index, false);
        if (zipped.has(b.index)) {
          // Under the lock the pair means a gzip finished but died before removing its source.
          if (locked) fs.remove(plain);
        } else if (this.#compression && b.index <= this.#backupCount) {
          // Gone already: another process moved it on and gzips it.
          const ino = fs.stat(plain)?.ino;
          if (ino !== undefined) this.#enqueue(state, newJob(path, ino));
        }
      }
    } catch (e) {
      this.recordFailure(e, 0, true);
    } finally {
      if (locked) {
        try {
          fs.remove(lock);
        } catch {
          // Left behind: the next rotation finds it stale.
        }
      }
    }
  }

  #enqueue(state: PathState, job: CompressionJob): void {
    state.jobs.push(job);
    this.#states.add(state);
    state.compressor ??= this.#compressAll(state);
  }

  async #compressAll(state: PathState): Promise<void> {
    // One at a time: rotations under a burst must not start a gzip each.
    while (state.jobs.length > 0) {
      const job = state.jobs[0];
      try {
        if (!job.cancelled) await this.#compress(job);
      } finally {
        state.jobs.shift();
        job.finish();
      }
    }
    state.compressor = undefined;
  }

  /**
   * Gzips a rotated file into a `.partial` file only this process uses, then,
   * holding the rotation lock, finds the file again by its inode and puts
   * the gzip in its place. A file a rotation dropped meanwhile is skipped; one
   * that grew is gzipped again, so no record appended late is lost.
   */
  async #compress(job: CompressionJob): Promise<void> {
    const fs = fileSystem!;
    const partial = `${job.base}.${processId}-${++partialSeq}.gz.partial`;
    let source: ReadHandle | undefined;
    let target: AppendHandle | undefined;
    try {
      for (let attempt = 0; attempt < GZIP_ATTEMPTS; attempt++) {
        const opened = await this.#withLock(job.base, () => {
          const index = findPlain(job.base, job.ino);
          if (index === undefined) return undefined;
          const from = backupPath(job.base, index, false);
          const size = fs.stat(from)?.size ?? 0;
          return { handle: fs.openRead(from), size };
        });
        if (opened === undefined) return;
        source = opened.handle;
        fs.remove(partial);
        target = fs.openAppend(partial);
        const complete = await gzipInto(source, target, () => job.cancelled);
        target.close();
        target = undefined;
        source.close();
        source = undefined;
        if (!complete || job.cancelled) break;
        const placed = await this.#withLock(job.base, () => {
          const index = findPlain(job.base, job.ino);
          if (index === undefined) return true;
          const from = backupPath(job.base, index, false);
          if ((fs.stat(from)?.size ?? 0) !== opened.size) return false;
          fs.rename(partial, backupPath(job.base, index, true));
          fs.remove(from);
          this.stats.compressions = (this.stats.compressions as number) + 1;
          return true;
        });
        if (placed) break;
      }
      fs.remove(partial);
    } catch (e) {
      try {
        target?.close();
        fs.remove(partial);
      } catch {
        // The partial file stays; a later start removes it once this process is gone.
      }
      this.recordFailure(e, 0, true);
    } finally {
      source?.close();
    }
  }
}
