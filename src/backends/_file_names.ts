/**
 * The names of a log file: the day's file a `{date}` template stands for,
 * and the rotated backups `app.log.1`, `app.log.2.gz` … (the lowest index
 * the newest), found on disk.
 */
import { basename, dirname, fileSystem } from "../runtime/file.ts";

/** A local day: its first millisecond, the next day's, and its `YYYY-MM-DD` for `{date}`. */
export interface Day {
  start: number;
  end: number;
  date: string;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** The local day of the moment `now` (epoch milliseconds). */
export function dayOf(now: number): Day {
  const d = new Date(now);
  const y = d.getFullYear();
  const m = d.getMonth();
  const day = d.getDate();
  return {
    start: new Date(y, m, day).getTime(),
    end: new Date(y, m, day + 1).getTime(),
    date: `${y}-${pad2(m + 1)}-${pad2(day)}`,
  };
}

/** A backup of `base` found on disk: `base.N` or `base.N.gz`. */
export interface Backup {
  index: number;
  gz: boolean;
}

/** The path of backup `index` of `base`, plain or gzipped. */
export function backupPath(base: string, index: number, gz: boolean): string {
  return gz ? `${base}.${index}.gz` : `${base}.${index}`;
}

/** The backups of `path` in its directory, newest (lowest index) first. */
export function listBackups(path: string): Backup[] {
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
export function findPlain(path: string, ino: number): number | undefined {
  if (ino === 0) return undefined;
  for (const b of listBackups(path)) {
    if (!b.gz && fileSystem!.stat(backupPath(path, b.index, false))?.ino === ino) return b.index;
  }
  return undefined;
}
