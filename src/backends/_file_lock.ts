/**
 * The rotation lock of a log file, `<path>.lock`, shared with every process
 * that writes the same file: only its holder renames the file and its
 * backups. A lock left by a process that died while rotating goes stale.
 */
import { fileSystem } from "../runtime/file.ts";

/** How often a finished gzip retries the rotation lock another process holds. */
const LOCK_RETRY_MS = 2;

/** A lock older than this is left from a process that died while rotating. */
const STALE_LOCK_MS = 30_000;

/** The rotation lock file of the log file `path`. */
export function lockPath(path: string): string {
  return `${path}.lock`;
}

/** Takes the rotation lock of a path (shared with other processes); false when another holds it. */
export function tryLock(lock: string): boolean {
  const fs = fileSystem!;
  if (fs.createExclusive(lock)) return true;
  const info = fs.stat(lock);
  // Released meanwhile: only try again, for the lock seen gone may be another process's new one by now.
  if (info === undefined) return fs.createExclusive(lock);
  if (Date.now() - info.mtimeMs < STALE_LOCK_MS) return false;
  fs.remove(lock);
  return fs.createExclusive(lock);
}

/** Releases a rotation lock this process holds. */
export function unlock(lock: string): void {
  try {
    fileSystem!.remove(lock);
  } catch {
    // Left behind: the next rotation finds it stale.
  }
}

/**
 * Runs `fn` holding the rotation lock of `path`, waiting while another
 * process holds it (it does only for a few renames).
 */
export async function withLock<T>(path: string, fn: () => T): Promise<T> {
  const lock = lockPath(path);
  while (!tryLock(lock)) await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
  try {
    return fn();
  } finally {
    unlock(lock);
  }
}
