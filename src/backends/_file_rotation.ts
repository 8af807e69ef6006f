/**
 * Rotation of a log file that other processes may write too: under the
 * rotation lock, `app.log.N` → `app.log.N+1` (dropping those past
 * `backupCount`), then `app.log` → `app.log.1`, queued for gzip when
 * compression is on.
 */
import { reportOnce } from "../report.ts";
import { fileSystem } from "../runtime/file.ts";
import { backupPath, listBackups } from "./_file_names.ts";
import { cancel, type CompressionOwner, enqueue, newJob, type PathState, stateOf } from "./_file_compressor.ts";
import { lockPath, tryLock, unlock } from "./_file_lock.ts";

/**
 * The backend a rotation works for; its counters `rotations` and
 * `rotationConflicts` count what happened.
 */
export interface RotationOwner extends CompressionOwner {
  /** The backend's name, for the report of a conflict. */
  readonly name: string;
  /** Closes the backend's handle of the file, which is about to be renamed. */
  release(): void;
  /** Notes a path whose gzips the backend's `flush()` waits for. */
  watch(state: PathState): void;
}

/**
 * Shifts the backups of `path` up by one (dropping those past
 * `backupCount`) and moves `path` to `path.1`. `mine` is the inode of the
 * file the caller measured (0 when unknown). Returns false when the
 * rotation failed; the caller then keeps appending to the same file.
 */
export function rotate(
  path: string,
  mine: number,
  backupCount: number,
  compression: boolean,
  owner: RotationOwner,
): boolean {
  const fs = fileSystem!;
  const lock = lockPath(path);
  let locked = false;
  try {
    locked = tryLock(lock);
    if (!locked) {
      // Another process is rotating this file right now: keep appending; its
      // rename moves our file aside and the next write reopens the new one.
      owner.stats.rotationConflicts = (owner.stats.rotationConflicts as number) + 1;
      reportOnce(
        `${owner.name}:file:rotation-conflict`,
        `${owner.name} backend: another process rotates "${path}" too; rotations wait their turn through "${lock}" (counted in getStats().rotationConflicts)`,
      );
      return false;
    }
    const onDisk = fs.stat(path);
    if (mine !== 0 && (onDisk === undefined || onDisk.ino !== mine)) {
      // Rotated by another process since we measured: write to the new file
      // (which the next write creates when none is there yet).
      owner.stats.rotationConflicts = (owner.stats.rotationConflicts as number) + 1;
      return true;
    }
    owner.release();
    const backups = listBackups(path);
    const state = stateOf(path);
    for (let i = backups.length - 1; i >= 0; i--) {
      const b = backups[i];
      const from = backupPath(path, b.index, b.gz);
      if (b.index >= backupCount) {
        if (!b.gz) cancel(state, path, fs.stat(from)?.ino ?? 0);
        fs.remove(from);
      } else fs.rename(from, backupPath(path, b.index + 1, b.gz));
    }
    if (backupCount > 0) {
      fs.rename(path, backupPath(path, 1, false));
      // The file now at `.1`, whichever file that was: no other rotation runs while the lock is held.
      const ino = fs.stat(backupPath(path, 1, false))?.ino ?? 0;
      if (compression) {
        owner.watch(state);
        enqueue(state, newJob(path, ino), owner);
      }
    } else {
      fs.remove(path);
    }
    owner.stats.rotations = (owner.stats.rotations as number) + 1;
    return true;
  } catch (e) {
    owner.failed(e);
    return false;
  } finally {
    if (locked) unlock(lock);
  }
}
