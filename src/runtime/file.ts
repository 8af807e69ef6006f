/**
 * The file driver: the few file-system operations the backends need, on
 * `node:fs` (present in Deno, Bun and Node). On runtimes without a file
 * system (browsers, Deno Deploy) `fileSystem` is undefined.
 */
import { builtin, hasPermission, runtimeName } from "./runtime.ts";

interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array | string): number;
  write(
    fd: number,
    data: Uint8Array,
    offset: number,
    length: number,
    position: null,
    cb: (err: Error | null, written: number) => void,
  ): void;
  read(
    fd: number,
    into: Uint8Array,
    offset: number,
    length: number,
    position: null,
    cb: (err: Error | null, read: number) => void,
  ): void;
  readSync(fd: number, into: Uint8Array, offset: number, length: number, position: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
  closeSync(fd: number): void;
  fstatSync(fd: number): { size: number; ino: number | bigint };
  statSync(
    path: string,
    opts?: { throwIfNoEntry?: boolean },
  ): { size: number; isFile(): boolean; isDirectory(): boolean; mtimeMs: number; ino: number | bigint } | undefined;
  mkdirSync(path: string, opts: { recursive: boolean }): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, opts?: { force?: boolean; recursive?: boolean }): void;
  readdirSync(path: string): string[];
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array | string): void;
  appendFileSync(path: string, data: Uint8Array | string): void;
  accessSync(path: string, mode?: number): void;
  constants: { W_OK: number };
}

const fs = builtin<NodeFs>("node:fs");
const pid = builtin<{ pid?: number }>("node:process")?.pid;
const nodePath = builtin<{ resolve(path: string): string }>("node:path");

/** Facts about a path. */
export interface PathInfo {
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  mtimeMs: number;
  /** File identity on its device (0 where the platform has none); changes when the path is replaced. */
  ino: number;
}

/** An open file for appending. */
export interface AppendHandle {
  /** Appends all of `data` synchronously. */
  writeSync(data: Uint8Array): void;
  /**
   * One append call: writes a prefix of `data` and returns its length
   * (short when the disk fills); throws what the OS reports.
   */
  write1(data: Uint8Array): number;
  /** Cuts the file to `size` bytes. */
  truncate(size: number): void;
  /** Appends all of `data` without blocking the event loop. */
  write(data: Uint8Array): Promise<void>;
  /** Size and identity of the open file, from the OS (other writers included). */
  stat(): { size: number; ino: number };
  /** Current size in bytes. */
  size(): number;
  /** Flushes to the device. */
  sync(): void;
  /** Closes the file. */
  close(): void;
}

function writeAllSync(fd: number, data: Uint8Array): void {
  let rest = data;
  while (rest.length > 0) rest = rest.subarray(fs!.writeSync(fd, rest));
}

function writeAll(fd: number, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) => {
      fs!.write(fd, data, offset, data.length - offset, null, (err, written) => {
        if (err) reject(err);
        else if (offset + written < data.length) step(offset + written);
        else resolve();
      });
    };
    step(0);
  });
}

/** An open file for reading from its start. */
export interface ReadHandle {
  /** Reads the next bytes into `into` without blocking; resolves 0 at the end. */
  read(into: Uint8Array): Promise<number>;
  /** Closes the file. */
  close(): void;
}

/** The file-system operations, where the runtime has a file system. */
export interface FileSystem {
  /** Opens (creating) a file for appending. */
  openAppend(path: string): AppendHandle;
  /** Opens an existing file for reading. */
  openRead(path: string): ReadHandle;
  /** The last `length` bytes of a file (fewer when it is shorter). */
  tail(path: string, length: number): Uint8Array;
  /** Up to `length` bytes of a file from byte `position` (fewer at its end). */
  readRange(path: string, position: number, length: number): Uint8Array;
  /** The absolute form of a path, for telling whether two paths name one file. */
  resolve(path: string): string;
  /** Facts about a path, or undefined when it does not exist. */
  stat(path: string): PathInfo | undefined;
  /** Creates a directory and its parents. */
  mkdirp(path: string): void;
  /** Renames (atomically on one file system). */
  rename(from: string, to: string): void;
  /** Removes a file (no error when missing). */
  remove(path: string): void;
  /** Names in a directory ([] when missing). */
  readDir(path: string): string[];
  /** A file's bytes. */
  readFile(path: string): Uint8Array;
  /** Writes a whole file. */
  writeFile(path: string, data: Uint8Array | string): void;
  /** Appends to a file, creating it. */
  appendFile(path: string, data: Uint8Array | string): void;
  /** Creates `path`, holding this process's id, only if it does not exist; false when it does. */
  createExclusive(path: string): boolean;
}

/** The driver, or undefined on runtimes without a file system. */
export const fileSystem: FileSystem | undefined = fs === undefined || runtimeName === "other" ? undefined : {
  openAppend(path) {
    const fd = fs.openSync(path, "a");
    let size = fs.fstatSync(fd).size;
    return {
      writeSync(data) {
        writeAllSync(fd, data);
        size += data.length;
      },
      write1(data) {
        let n: number;
        try {
          n = fs.writeSync(fd, data);
        } catch (e) {
          // Some runtimes (Deno's node:fs) write in a loop and throw after a
          // short write, hiding its length: the file's growth tells it.
          const grown = fs.fstatSync(fd).size - size;
          if (grown <= 0 || grown >= data.length) throw e;
          n = grown;
        }
        size += n;
        return n;
      },
      truncate(to) {
        fs.ftruncateSync(fd, to);
        size = to;
      },
      async write(data) {
        await writeAll(fd, data);
        size += data.length;
      },
      size: () => size,
      stat() {
        const s = fs.fstatSync(fd);
        size = s.size;
        return { size: s.size, ino: Number(s.ino) };
      },
      sync: () => fs.fsyncSync(fd),
      close: () => fs.closeSync(fd),
    };
  },
  openRead(path) {
    const fd = fs.openSync(path, "r");
    return {
      read: (into) =>
        new Promise((resolve, reject) => {
          fs.read(fd, into, 0, into.length, null, (err, n) => err ? reject(err) : resolve(n));
        }),
      close: () => fs.closeSync(fd),
    };
  },
  tail(path, length) {
    const fd = fs.openSync(path, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const into = new Uint8Array(Math.min(length, size));
      let got = 0;
      while (got < into.length) {
        const n = fs.readSync(fd, into, got, into.length - got, size - into.length + got);
        if (n === 0) break;
        got += n;
      }
      return into.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  },
  readRange(path, position, length) {
    const fd = fs.openSync(path, "r");
    try {
      const into = new Uint8Array(Math.max(0, length));
      let got = 0;
      while (got < into.length) {
        const n = fs.readSync(fd, into, got, into.length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return into.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  },
  resolve: (path) => nodePath?.resolve(path) ?? path,
  stat(path) {
    try {
      const s = fs.statSync(path);
      return s
        ? { size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs, ino: Number(s.ino) }
        : undefined;
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT" || (e as { code?: string }).code === "ENOTDIR") return undefined;
      throw e;
    }
  },
  mkdirp: (path) => void fs.mkdirSync(path, { recursive: true }),
  rename: (from, to) => fs.renameSync(from, to),
  remove: (path) => fs.rmSync(path, { force: true }),
  readDir(path) {
    try {
      return fs.readdirSync(path);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return [];
      throw e;
    }
  },
  readFile: (path) => fs.readFileSync(path),
  writeFile: (path, data) => fs.writeFileSync(path, data),
  appendFile: (path, data) => fs.appendFileSync(path, data),
  createExclusive(path) {
    let fd: number;
    try {
      fd = fs.openSync(path, "wx");
    } catch (e) {
      if ((e as { code?: string }).code === "EEXIST") return false;
      throw e;
    }
    try {
      fs.writeSync(fd, String(pid ?? ""));
    } finally {
      fs.closeSync(fd);
    }
    return true;
  },
};

/**
 * Why writing to `path` is impossible before trying, where that can be
 * known: no file system, or Deno without `--allow-write`. Undefined when no
 * reason is known.
 */
export function writeBlocker(path: string): string | undefined {
  if (fileSystem === undefined) return `this runtime (${runtimeName}) has no file system`;
  if (!hasPermission("write", path)) return `Deno needs --allow-write (write permission for ${path})`;
  if (!hasPermission("read", path)) return `Deno needs --allow-read (read permission for ${path})`;
  return undefined;
}

/** The directory part of a path (`"."` when none). */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** The last part of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
