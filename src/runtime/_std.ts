/**
 * Standard output and error as raw byte targets: one OS write per call,
 * short writes resumed at the next byte and full pipes waited on (never
 * spun on) when a write must be synchronous, and whether a stream is a
 * terminal.
 */
import { builtin, deno, hasPermission, type NodeFsLike, proc } from "./_detect.ts";

const encoder = new TextEncoder();

/** `node:fs`, loaded when a standard stream is first written outside Deno. */
let nodeFs: NodeFsLike | undefined;

/** Which standard stream. */
export type StdStream = "stdout" | "stderr";

/**
 * Where bytes go: one call of the OS write. `write` returns how many bytes
 * were taken (possibly fewer than given) and throws what the OS reports —
 * `EAGAIN` from a full non-blocking pipe, `ENOSPC` from a full disk, `EPIPE`
 * from a closed reader.
 */
export interface ByteTarget {
  /** Writes a prefix of `bytes`; returns its length. */
  write(bytes: Uint8Array): number;
  /**
   * Where the stream blocks (Deno's stdout and stderr stay blocking): writes
   * a prefix of `bytes` without holding the caller, resolving with its
   * length. Absent where `write` never blocks (a non-blocking pipe answers
   * `EAGAIN` instead).
   */
  writeAsync?(bytes: Uint8Array): Promise<number>;
  /**
   * Most bytes given to one `writeAsync` call: a pipe takes a write this
   * small whole or not at all (`PIPE_BUF`), so a synchronous write at exit,
   * queued behind one still in flight, can count on it completing in full.
   */
  asyncMax?: number;
}

/** POSIX's smallest `PIPE_BUF`-safe size on the platforms this package runs on (Linux: 4096). */
const PIPE_ATOMIC = 4096;

/**
 * Whether an error from a write means "not now, try again": a full
 * non-blocking pipe (`EAGAIN`, `EWOULDBLOCK`, Deno's `WouldBlock`) or an
 * interrupted call.
 */
export function isWouldBlock(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR") return true;
  const name = (e as { name?: unknown } | null)?.name;
  return name === "WouldBlock" || name === "Interrupted";
}

const targets: Partial<Record<StdStream, ByteTarget>> = {};

/**
 * Whether Deno's (blocking) stdout or stderr can hold a write for long: a
 * pipe or a socket whose reader is slow can; a regular file or a character
 * device (`/dev/null`, a terminal) takes it at once, so writes stay
 * synchronous and large there. Unknown (no read permission): it may.
 */
function denoStreamMayStall(stream: StdStream): boolean {
  const path = stream === "stdout" ? "/dev/stdout" : "/dev/stderr";
  if (typeof deno?.statSync !== "function" || !hasPermission("read", path)) return true;
  try {
    const info = deno.statSync(path);
    return !(info.isFile || info.isCharDevice === true);
  } catch {
    return true;
  }
}

/** The raw byte target of stdout or stderr on this runtime. */
export function stdTarget(stream: StdStream): ByteTarget {
  let t = targets[stream];
  if (t !== undefined) return t;
  if (deno) {
    const w = stream === "stdout" ? deno.stdout : deno.stderr;
    t = { write: (bytes) => w.writeSync(bytes) };
    if (typeof w.write === "function" && denoStreamMayStall(stream)) {
      const write = w.write.bind(w);
      t.writeAsync = (bytes) => write(bytes.length > PIPE_ATOMIC ? bytes.subarray(0, PIPE_ATOMIC) : bytes);
      t.asyncMax = PIPE_ATOMIC;
    }
  } else if (proc && (nodeFs ??= builtin<NodeFsLike>("node:fs")) !== undefined) {
    const fs = nodeFs;
    const fd = stream === "stdout" ? 1 : 2;
    t = { write: (bytes) => fs.writeSync(fd, bytes) };
  } else {
    const decoder = new TextDecoder();
    t = {
      write(bytes) {
        const text = decoder.decode(bytes);
        const line = text.endsWith("\n") ? text.slice(0, -1) : text;
        if (stream === "stdout") console.log(line);
        else console.error(line);
        return bytes.length;
      },
    };
  }
  return targets[stream] = t;
}

let sleeper: Int32Array | undefined;

/**
 * Blocks the thread for `ms` milliseconds without spinning (`Atomics.wait`),
 * for the few places that must wait synchronously: the exit hooks.
 */
export function sleepSync(ms: number): void {
  try {
    sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, ms);
  } catch {
    // No Atomics.wait here (a browser main thread): wait by the clock.
    const end = Date.now() + ms;
    while (Date.now() < end) { /* only at exit, only where nothing else exists */ }
  }
}

/** How long a synchronous write waits on a pipe that takes nothing before it gives up. */
export const STALL_MS = 10_000;

/**
 * Writes all of `bytes` to `target` synchronously: a short write resumes at
 * the next byte, a full pipe is waited on with a growing back-off (never
 * spun on), and a pipe that takes nothing for `stallMs` ends the attempt
 * with an error. Throws what the OS reports.
 */
export function writeAllSync(target: ByteTarget, bytes: Uint8Array, stallMs: number = STALL_MS): void {
  let rest = bytes;
  let backoff = 1;
  let stalledSince = 0;
  while (rest.length > 0) {
    let n: number;
    try {
      n = target.write(rest);
    } catch (e) {
      if (!isWouldBlock(e)) throw e;
      const now = Date.now();
      if (stalledSince === 0) stalledSince = now;
      else if (now - stalledSince >= stallMs) throw e;
      sleepSync(backoff);
      backoff = Math.min(backoff * 2, 50);
      continue;
    }
    if (n > 0) {
      stalledSince = 0;
      backoff = 1;
    }
    rest = rest.subarray(n);
  }
}

/**
 * Writes text to stdout or stderr synchronously, in full (see
 * `writeAllSync`). Throws only what the OS reports (a closed pipe); callers
 * decide what to do with it.
 */
export function writeStd(stream: StdStream, text: string): void {
  if (text.length === 0) return;
  writeAllSync(stdTarget(stream), encoder.encode(text));
}

/** Whether the stream is a terminal. */
export function isTerminal(stream: StdStream): boolean {
  try {
    if (deno) return deno[stream].isTerminal?.() ?? false;
    if (proc) return proc[stream]?.isTTY === true;
  } catch {
    // Fall through: not a terminal as far as we can tell.
  }
  return false;
}
