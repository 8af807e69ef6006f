/**
 * Opening a log file for appending: its folders created, a line an earlier
 * run left half-written ended, and the errors that say why a file cannot be
 * written.
 */
import { LoggerBackendError } from "../errors.ts";
import { describeError } from "../report.ts";
import { type AppendHandle, dirname, type FileSystem } from "../runtime/file.ts";

const NEWLINE = 10;
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Opens `path` for appending, creating its folders. */
export function openLog(fs: FileSystem, path: string): AppendHandle {
  fs.mkdirp(dirname(path));
  if (fs.stat(path)?.isDirectory) {
    throw Object.assign(new Error(`EISDIR: "${path}" is a directory`), { code: "EISDIR" });
  }
  return fs.openAppend(path);
}

/**
 * Ends the half line a run that died mid-write may have left at the end of
 * `file`, so the next record starts on a line of its own.
 */
export function endTornLine(fs: FileSystem, path: string, file: AppendHandle): void {
  if (file.size() > 0) {
    let last = NEWLINE;
    try {
      last = fs.tail(path, 1)[0];
    } catch {
      // Not readable: append as it is.
    }
    if (last !== NEWLINE) file.writeSync(NEWLINE_BYTES);
  }
}

/** The error for a runtime that does not let the backend write `path` (`blocker` says why). */
export function blockedError(backend: string, path: string, blocker: string): LoggerBackendError {
  return new LoggerBackendError(`File backend cannot write to "${path}": ${blocker}`, {
    details: { backend, path, permission: "write" },
    suggestions: [
      blocker.includes("--allow")
        ? `Run with --allow-read --allow-write (or --allow-write=${dirname(path)} --allow-read=${dirname(path)})`
        : "Use a console or network backend on this runtime",
    ],
  });
}

/** The error for `path` failing to open with `e`, saying why in words. */
export function openError(backend: string, path: string, e: unknown): LoggerBackendError {
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
    details: { backend, path, code: code ?? null },
    suggestions: ["Point filePath at a writable file in a folder the process may create or write"],
    cause: e,
  });
}
