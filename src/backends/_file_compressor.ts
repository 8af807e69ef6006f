/**
 * Gzipping rotated files in the background, one at a time per log file:
 * each into a `.partial` file only this process uses, put in place under the
 * rotation lock. Also tidies what an earlier run's gzips left behind.
 */
import { gzipInto } from "../gzip.ts";
import { type AppendHandle, basename, dirname, fileSystem, type ReadHandle } from "../runtime/file.ts";
import { processAlive, processId } from "../runtime/_process.ts";
import type { BackendStats } from "./base.ts";
import { backupPath, findPlain, listBackups } from "./_file_names.ts";
import { lockPath, tryLock, unlock, withLock } from "./_file_lock.ts";

/**
 * A rotated file waiting to be gzipped. It is found by its inode, not its
 * index: other processes shift the numbered backups at any time.
 */
export interface CompressionJob {
  base: string;
  ino: number;
  cancelled: boolean;
  /** Resolves once the job is done, skipped or cancelled. */
  done: Promise<void>;
  finish: () => void;
}

/** A job to gzip file `ino`, now a plain backup of `base`. */
export function newJob(base: string, ino: number): CompressionJob {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => finish = resolve);
  return { base, ino, cancelled: false, done, finish };
}

/**
 * What every backend writing the same path in this process shares: the
 * queue of rotated files to gzip and whether an earlier run's leftovers were tidied.
 */
export interface PathState {
  jobs: CompressionJob[];
  compressor: Promise<void> | undefined;
  recovered: boolean;
}

/** The backend a compression works for. */
export interface CompressionOwner {
  /** Its counters: a rotated file replaced by its gzip adds one to `compressions`. */
  readonly stats: BackendStats;
  /** Counts a failure that cost no record. */
  failed(error: unknown): void;
}

/** Gzips in progress in this process, numbering their `.partial` files. */
let partialSeq = 0;
/** `<pid>-<n>.gz.partial` after `base.`: the owner of a gzip in progress. */
const PARTIAL = /^([0-9]+)-[0-9]+\.gz\.partial$/;
/** Times a gzip starts over when its file grew meanwhile (a late write from a process that had not noticed the rotation). */
const GZIP_ATTEMPTS = 3;

const pathStates = new Map<string, PathState>();

/** The state shared by the backends of this process writing `path`. */
export function stateOf(path: string): PathState {
  const key = path.replace(/^(\.\/)+/, "");
  let state = pathStates.get(key);
  if (state === undefined) pathStates.set(key, state = { jobs: [], compressor: undefined, recovered: false });
  return state;
}

/** Stops gzipping file `ino` of `path`, which a rotation drops. */
export function cancel(state: PathState, path: string, ino: number): void {
  if (ino === 0) return;
  for (const job of state.jobs) if (job.base === path && job.ino === ino) job.cancelled = true;
}

/** Queues a job, starting the path's compressor when none runs. */
export function enqueue(state: PathState, job: CompressionJob, owner: CompressionOwner): void {
  state.jobs.push(job);
  state.compressor ??= compressAll(state, owner);
}

/**
 * Puts the backups of an earlier run in order: drops the partial gzips of
 * processes that are gone, drops a plain backup whose `.gz` is complete
 * (when no other process is rotating right now), and gzips the remaining
 * plain ones when compression is on.
 */
export function recoverBackups(
  path: string,
  state: PathState,
  backupCount: number,
  compression: boolean,
  owner: CompressionOwner,
): void {
  const fs = fileSystem!;
  const lock = lockPath(path);
  let locked = false;
  try {
    // The name earlier versions used for every gzip in progress.
    fs.remove(`${path}.gz.partial`);
    const prefix = basename(path) + ".";
    for (const name of fs.readDir(dirname(path))) {
      if (!name.startsWith(prefix)) continue;
      const gzipper = PARTIAL.exec(name.slice(prefix.length));
      if (gzipper !== null && !processAlive(Number(gzipper[1]))) fs.remove(`${dirname(path)}/${name}`);
    }
    locked = tryLock(lock);
    const backups = listBackups(path);
    const zipped = new Set(backups.filter((b) => b.gz).map((b) => b.index));
    for (const b of backups) {
      if (b.gz) continue;
      const plain = backupPath(path, b.index, false);
      if (zipped.has(b.index)) {
        // Under the lock the pair means a gzip finished but died before removing its source.
        if (locked) fs.remove(plain);
      } else if (compression && b.index <= backupCount) {
        // Gone already: another process moved it on and gzips it.
        const ino = fs.stat(plain)?.ino;
        if (ino !== undefined) enqueue(state, newJob(path, ino), owner);
      }
    }
  } catch (e) {
    owner.failed(e);
  } finally {
    if (locked) unlock(lock);
  }
}

async function compressAll(state: PathState, owner: CompressionOwner): Promise<void> {
  // One at a time: rotations under a burst must not start a gzip each.
  while (state.jobs.length > 0) {
    const job = state.jobs[0];
    try {
      if (!job.cancelled) await compress(job, owner);
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
async function compress(job: CompressionJob, owner: CompressionOwner): Promise<void> {
  const fs = fileSystem!;
  const partial = `${job.base}.${processId}-${++partialSeq}.gz.partial`;
  let source: ReadHandle | undefined;
  let target: AppendHandle | undefined;
  try {
    for (let attempt = 0; attempt < GZIP_ATTEMPTS; attempt++) {
      const opened = await withLock(job.base, () => {
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
      const placed = await withLock(job.base, () => {
        const index = findPlain(job.base, job.ino);
        if (index === undefined) return true;
        const from = backupPath(job.base, index, false);
        if ((fs.stat(from)?.size ?? 0) !== opened.size) return false;
        fs.rename(partial, backupPath(job.base, index, true));
        fs.remove(from);
        owner.stats.compressions = (owner.stats.compressions as number) + 1;
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
    owner.failed(e);
  } finally {
    source?.close();
  }
}
