/**
 * Reading a spool file's NDJSON: the lines of a byte range (read in chunks,
 * never the whole file), counting the records, and telling a whole record
 * from a piece cut short or garbage.
 */
import { fileSystem } from "../runtime/file.ts";

/** The byte that ends a line. */
export const NEWLINE = 10;
/** How much of the spool one read asks for. */
const READ_CHUNK = 65536;

/**
 * Calls `visit` with each line of `path` in bytes `[from, to)` and the
 * offset of its end, until it returns false; the last piece counts as a
 * line even without its newline (`complete` false). Returns the offset
 * after the last line visited.
 */
export function scanLines(
  path: string,
  from: number,
  to: number,
  visit: (line: Uint8Array, complete: boolean, end: number) => boolean,
): number {
  let at = from;
  let chunk = READ_CHUNK;
  while (at < to) {
    const want = Math.min(chunk, to - at);
    const bytes = fileSystem!.readRange(path, at, want);
    const end = bytes.length < want || at + want >= to;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
      const more = visit(bytes.subarray(start, nl), true, at + nl + 1);
      start = nl + 1;
      if (!more) return at + start;
    }
    if (end) {
      if (start < bytes.length) visit(bytes.subarray(start), false, at + bytes.length);
      return at + bytes.length;
    }
    // A line longer than the chunk: read more of it at once.
    if (start === 0) chunk *= 2;
    at += start;
  }
  return at;
}

/** Whether a line holds only white space. */
export function isBlank(line: Uint8Array): boolean {
  for (const b of line) if (b !== 32 && b !== 9 && b !== 13) return false;
  return true;
}

/** The records (lines not blank) in the first `size` bytes of `path`. */
export function countLines(path: string, size: number): number {
  let n = 0;
  scanLines(path, 0, size, (line) => {
    if (!isBlank(line)) n++;
    return true;
  });
  return n;
}

/** Whether a spooled line is a whole record (a JSON object), not a piece cut short or garbage. */
export function isRecordText(text: string): boolean {
  if (!text.startsWith("{")) return false;
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
