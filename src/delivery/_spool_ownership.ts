/**
 * One owner of a spool file at a time, also across processes: the process
 * holding `<file>.lock` (its PID inside) spools to `<file>`; another process
 * spools to `<file>.<pid>` instead, and the next owner adopts such files
 * once their process is gone. `<file>.offset` keeps how far a file was
 * delivered, so the next run starts there.
 */
import { basename, dirname, fileSystem } from "../runtime/file.ts";
import { createExclusive, processAlive, processId } from "../runtime/_process.ts";
import { NEWLINE } from "./_spool_lines.ts";

const decoder = new TextDecoder();

/**
 * The file this process spools to for `path`: `path` itself when it holds
 * (or takes over) the lock, else its own `path.<pid>`.
 */
export function chooseFile(path: string): { file: string; owner: boolean } {
  const lock = `${path}.lock`;
  if (processId === 0) return { file: path, owner: false };
  fileSystem!.mkdirp(dirname(path));
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(lock, String(processId))) return { file: path, owner: true };
    let pid = 0;
    try {
      pid = Number(decoder.decode(fileSystem!.readFile(lock)).trim());
    } catch {
      // Removed meanwhile: try again.
    }
    if (pid === processId) return { file: path, owner: true };
    if (processAlive(pid)) return { file: `${path}.${processId}`, owner: false };
    // Its process is gone: take it over.
    fileSystem!.remove(lock);
  }
  return { file: `${path}.${processId}`, owner: false };
}

/**
 * How far `file` was delivered, as kept in `<file>.offset` by an earlier
 * run: a byte offset at a line's end, or 0 when there is none (or it does
 * not fit the file).
 */
export function readOffset(file: string, size: number): number {
  try {
    const at = Number(decoder.decode(fileSystem!.readFile(`${file}.offset`)).trim());
    if (!Number.isSafeInteger(at) || at <= 0 || at > size) return 0;
    return fileSystem!.readRange(file, at - 1, 1)[0] === NEWLINE ? at : 0;
  } catch {
    return 0;
  }
}

/** Moves the spools of processes that are gone (`path.<pid>`) into `path`. */
export function adoptOrphans(path: string): void {
  const dir = dirname(path);
  const name = basename(path);
  for (const entry of fileSystem!.readDir(dir)) {
    const m = /^(.*)\.(\d+)$/.exec(entry);
    if (m === null || m[1] !== name) continue;
    const pid = Number(m[2]);
    if (pid === processId || processAlive(pid)) continue;
    const orphan = `${dir}/${entry}`;
    const all = fileSystem!.readFile(orphan);
    // What that process had delivered already is not adopted.
    const bytes = all.subarray(readOffset(orphan, all.length));
    if (bytes.length > 0) {
      const cut = bytes[bytes.length - 1] !== NEWLINE;
      fileSystem!.appendFile(path, cut ? concat(bytes, NEWLINE) : bytes);
    }
    fileSystem!.remove(orphan);
    fileSystem!.remove(`${orphan}.offset`);
  }
}

function concat(bytes: Uint8Array, last: number): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = last;
  return out;
}
/** Frees the lock of the spool `path` this process holds. */
export function releaseLock(path: string): void {
  try {
    fileSystem!.remove(`${path}.lock`);
  } catch {
    // Left behind: the next process sees this one is gone and takes it over.
  }
}
