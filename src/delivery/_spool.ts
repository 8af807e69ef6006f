/**
 * The fallback spool of the network backends: an append-only NDJSON file of
 * records, replayed from its start and removed once everything in it is
 * delivered.
 *
 * One owner at a time, also across processes: the process holding
 * `<file>.lock` (its PID inside) spools to `<file>`; another process spools
 * to `<file>.<pid>` instead, and the next owner adopts such files once their
 * process is gone. Inside a process, backends with the same file share one
 * spool: any of them appends, one at a time (the holder) takes a batch,
 * then commits it (delivered) or puts it back. Appends only extend the file,
 * so "delivered up to here" stays one byte offset, and the file is read
 * from the first record not yet taken, never whole. That offset is kept in
 * `<file>.offset` after each delivered batch, so the next run starts there.
 */
import { basename, dirname, fileSystem } from "../runtime/file.ts";
import { isBeingReplaced } from "../_succession.ts";
import { countLines, isBlank, isRecordText, NEWLINE, scanLines } from "./_spool_lines.ts";
import { adoptOrphans, chooseFile, readOffset, releaseLock } from "./_spool_ownership.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What `Spool.take` found: records, how many vanished with the file, how many lines are no records. */
export interface Taken {
  lines: string[];
  lost: number;
  /** Unreadable lines not reported before (each line is counted once). */
  unreadable: number;
}

/**
 * One spool file. Backends in this process share it when they name the same
 * path and deliver to the same target (a fingerprint of endpoint, method,
 * body format and credentials).
 */
export class Spool {
  static #open = new Map<string, Spool>();

  /**
   * Whether `path` is the spool of live backends that deliver to a target
   * other than `target` (and are not being replaced by the one asking).
   */
  static sharedElsewhere(path: string, target: string): boolean {
    const spool = Spool.#open.get(fileSystem!.resolve(path));
    return spool !== undefined && spool.#target !== target && !spool.#succeeded();
  }

  /** Whether every backend on this spool is being replaced now. */
  #succeeded(): boolean {
    for (const member of this.#members.keys()) if (!isBeingReplaced(member)) return false;
    return true;
  }

  /**
   * The spool of `path` for `owner`, shared with every backend on the same
   * file. `wake` is called when records wait and the spool is free.
   */
  static acquire(path: string, target: string, owner: object, wake: () => void): Spool {
    const key = fileSystem!.resolve(path);
    let spool = Spool.#open.get(key);
    if (spool === undefined) {
      spool = new Spool(path, key, target);
      Spool.#open.set(key, spool);
    } else if (spool.#target !== target) {
      // A successor (new credentials for the same file): it replays from now on; the others only append.
      spool.#target = target;
      for (const member of spool.#members.keys()) spool.#retired.add(member);
    }
    spool.#members.set(owner, wake);
    return spool;
  }

  /** The path as configured. */
  readonly requested: string;
  /** The file this process writes (the configured path, or its own `path.<pid>`). */
  path: string;
  #key: string;
  #target: string;
  #owner = false;
  #opened = false;
  #members = new Map<object, () => void>();
  /** Backends that were replaced: they append, and leave replaying to their successor. */
  #retired = new WeakSet<object>();
  #holder: object | undefined;
  /** Bytes appended (the file's size as far as this process knows), delivered, and taken by the holder. */
  #size = 0;
  #delivered = 0;
  #taken = 0;
  /** Lines before this offset were already checked: their unreadable ones are counted. */
  #checked = 0;
  #records = 0;
  #deliveredRecords = 0;
  #takenRecords = 0;
  /** Waiting records that vanished with the file, not yet reported by a `take`. */
  #lost = 0;
  #dirMade = false;

  private constructor(path: string, key: string, target: string) {
    this.requested = path;
    this.path = path;
    this.#key = key;
    this.#target = target;
    // A spool left by an earlier run (ours or a process that is gone) is opened now, to be replayed.
    const dir = dirname(path);
    const name = basename(path);
    const left = fileSystem!.readDir(dir).some((e) => e === name || (e.startsWith(name + ".") && /\.\d+$/.test(e)));
    if (left) this.#openFile();
  }

  /** Chooses the file (taking the lock) and reads what is in it. */
  #openFile(): void {
    if (this.#opened) return;
    this.#opened = true;
    const { file, owner } = chooseFile(this.requested);
    this.path = file;
    this.#owner = owner;
    this.#dirMade = true;
    if (owner) adoptOrphans(file);
    const info = fileSystem!.stat(file);
    if (info?.isFile && info.size > 0) {
      this.#size = info.size;
      this.#records = countLines(file, info.size);
      // An earlier run delivered the head of the file: it is not sent again.
      const at = readOffset(file, info.size);
      if (at > 0) {
        this.#delivered = this.#taken = this.#checked = at;
        this.#deliveredRecords = countLines(file, at);
      }
      // A line cut short by a crash must not swallow the next one appended.
      if (fileSystem!.tail(file, 1)[0] !== NEWLINE) this.append([""]);
    }
  }

  /** Whether records wait in the spool. */
  get pending(): boolean {
    return this.#size > this.#delivered;
  }

  /** Whether another backend is replaying the spool now. */
  heldByOther(owner: object): boolean {
    return this.#holder !== undefined && this.#holder !== owner;
  }

  /**
   * Whether backends other than `owner` use this spool and carry on with it
   * when `owner` leaves. A replaced (retired) backend only appends: it does
   * not count, since it never replays.
   */
  sharedWith(owner: object): boolean {
    for (const member of this.#members.keys()) if (member !== owner && !this.#retired.has(member)) return true;
    return false;
  }

  /** Whether `owner` may replay this spool (it was not replaced by a successor). */
  replays(owner: object): boolean {
    return !this.#retired.has(owner);
  }

  /** Takes the reader's lock; false when another backend holds it. */
  claim(owner: object): boolean {
    if (this.heldByOther(owner) || this.#retired.has(owner)) return false;
    this.#holder = owner;
    return true;
  }

  /** Appends records, one per line, synchronously. Throws what the file system reports. */
  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.#openFile();
    // Appending behind a file cut shorter than we know would misplace every offset.
    if (this.#size > 0) this.#lost += this.#reconcile();
    const data = encoder.encode(lines.join("\n") + "\n");
    if (!this.#dirMade) {
      fileSystem!.mkdirp(dirname(this.path));
      this.#dirMade = true;
    }
    try {
      fileSystem!.appendFile(this.path, data);
    } catch {
      // The directory may have been removed since: make it again, once.
      fileSystem!.mkdirp(dirname(this.path));
      fileSystem!.appendFile(this.path, data);
    }
    this.#size += data.length;
    for (const line of lines) if (line.trim() !== "") this.#records++;
  }

  /**
   * The holder's next batch: up to `n` records after the ones delivered.
   * When the file was deleted or cut shorter meanwhile, what is in it now
   * is what waits, and the records that vanished are counted in `lost`.
   */
  take(owner: object, n: number): Taken {
    if (this.#holder !== owner) return { lines: [], lost: 0, unreadable: 0 };
    const lost = this.#lost + this.#reconcile();
    this.#lost = 0;
    const lines: string[] = [];
    let unreadable = 0;
    let read = 0;
    if (this.#taken < this.#size) {
      this.#taken = scanLines(this.path, this.#taken, this.#size, (bytes, complete, end) => {
        if (isBlank(bytes)) return true;
        read++;
        // A piece without its newline was cut short: nothing here is still writing it.
        const text = decoder.decode(bytes).trim();
        if (complete && isRecordText(text)) lines.push(text);
        else if (end > this.#checked) unreadable++;
        if (end > this.#checked) this.#checked = end;
        return lines.length < n;
      });
    }
    this.#takenRecords = read;
    return { lines, lost, unreadable };
  }

  /** Compares with the file as it is; returns how many waiting records vanished. */
  #reconcile(): number {
    const info = fileSystem!.stat(this.path);
    const real = info?.isFile ? info.size : 0;
    if (real >= this.#size) return 0;
    const waiting = this.#records - this.#deliveredRecords;
    const left = real > 0 ? countLines(this.path, real) : 0;
    this.#size = real;
    this.#delivered = this.#taken = this.#checked = 0;
    this.#keepOffset();
    this.#records = left;
    this.#deliveredRecords = this.#takenRecords = 0;
    if (info === undefined) this.#dirMade = false;
    if (real > 0 && fileSystem!.tail(this.path, 1)[0] !== NEWLINE) {
      // Cut mid-line: end that piece, so it is skipped as unreadable and the next record starts a line of its own.
      fileSystem!.appendFile(this.path, encoder.encode("\n"));
      this.#size++;
    }
    return Math.max(0, waiting - left);
  }

  /** The holder's batch is delivered (or given up); removes the file when all is. */
  commit(owner: object): void {
    if (this.#holder !== owner) return;
    this.#delivered = this.#taken;
    this.#deliveredRecords += this.#takenRecords;
    this.#takenRecords = 0;
    try {
      if (this.#delivered >= this.#size) {
        fileSystem!.remove(this.path);
        this.#size =
          this.#delivered =
          this.#taken =
          this.#checked =
            0;
        this.#records = this.#deliveredRecords = 0;
      }
      this.#keepOffset();
    } catch {
      // The file stays; the offsets still say everything in it is delivered.
    } finally {
      this.#unlock();
    }
  }

  /**
   * Keeps "delivered up to here" in `<file>.offset`, so that a later run
   * does not send those records again (removed when nothing is delivered).
   */
  #keepOffset(): void {
    try {
      if (this.#delivered > 0) fileSystem!.writeFile(`${this.path}.offset`, String(this.#delivered));
      else fileSystem!.remove(`${this.path}.offset`);
    } catch {
      // Not kept: a later run sends these records again (at least once).
    }
  }

  /** The holder's batch was not delivered: it is taken again next time. */
  putBack(owner: object): void {
    if (this.#holder !== owner) return;
    this.#taken = this.#delivered;
    this.#takenRecords = 0;
    this.#unlock();
  }

  /**
   * The backend stops using the spool; the last one out closes it (and
   * frees the file for other processes). Records still waiting are left to
   * the others, which are told so now.
   */
  detach(owner: object): void {
    if (this.#holder === owner) {
      this.#taken = this.#delivered;
      this.#takenRecords = 0;
      this.#holder = undefined;
    }
    this.#members.delete(owner);
    // The successors are gone: the replaced backends left are the spool's owners again.
    let live = false;
    for (const member of this.#members.keys()) if (!this.#retired.has(member)) live = true;
    if (!live) { for (const member of this.#members.keys()) this.#retired.delete(member); }
    if (this.#members.size === 0) {
      if (Spool.#open.get(this.#key) === this) Spool.#open.delete(this.#key);
      this.release();
      return;
    }
    this.#wakeMembers(owner);
  }

  /** Frees the cross-process lock (at exit, or when the last backend leaves). */
  release(): void {
    if (!this.#owner) return;
    this.#owner = false;
    this.#opened = false;
    releaseLock(this.requested);
  }

  /** Frees the reader's lock; while records wait, the other backends get a turn. */
  #unlock(): void {
    const holder = this.#holder;
    this.#holder = undefined;
    this.#wakeMembers(holder);
  }

  #wakeMembers(except: object | undefined): void {
    if (this.#holder !== undefined || !this.pending) return;
    for (const [member, wake] of this.#members) if (member !== except && !this.#retired.has(member)) wake();
  }
}
