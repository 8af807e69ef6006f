/**
 * The one place that knows which runtime it runs on. Everything else asks
 * this module for stdout/stderr, env, TTY, exit hooks and Node built-ins.
 * Detection happens once at import and never throws, so the package loads in
 * browsers and on Deno Deploy as well.
 */

/** The runtime families this package knows. */
export type RuntimeName = "deno" | "bun" | "node" | "other";

interface DenoWriter {
  writeSync(p: Uint8Array): number;
  write?(p: Uint8Array): Promise<number>;
  isTerminal?(): boolean;
}
interface DenoLike {
  stdout: DenoWriter;
  stderr: DenoWriter;
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  permissions?: {
    querySync?(d: { name: string; variable?: string; path?: string; host?: string }): {
      state: string;
    };
  };
  addSignalListener?(signal: string, fn: () => void): void;
  removeSignalListener?(signal: string, fn: () => void): void;
  exit(code?: number): never;
  statSync?(path: string): { isFile: boolean; isCharDevice?: boolean | null };
  build?: { os: string };
  version?: { deno: string };
}
interface NodeProcessLike {
  versions: Record<string, string | undefined>;
  env: Record<string, string | undefined>;
  stdout?: { isTTY?: boolean };
  stderr?: { isTTY?: boolean };
  on(event: string, fn: (...args: unknown[]) => void): void;
  off?(event: string, fn: (...args: unknown[]) => void): void;
  listenerCount?(event: string): number;
  exit?(code?: number): never;
  getBuiltinModule?(id: string): unknown;
  exitCode?: number | string;
  platform?: string;
}
interface NodeFsLike {
  writeSync(fd: number, data: string | Uint8Array): number;
}

const g = globalThis as unknown as {
  Deno?: DenoLike;
  Bun?: { version: string };
  process?: NodeProcessLike;
  addEventListener?: (type: string, fn: (e: Event) => void) => void;
};

/** Which runtime this is, decided once. */
export const runtimeName: RuntimeName = g.Deno !== undefined
  ? "deno"
  : g.Bun !== undefined
  ? "bun"
  : g.process?.versions?.node !== undefined
  ? "node"
  : "other";

const deno: DenoLike | undefined = runtimeName === "deno" ? g.Deno : undefined;
const proc: NodeProcessLike | undefined = runtimeName === "bun" || runtimeName === "node" ? g.process : undefined;

/**
 * A Node built-in module (`node:fs`, `node:async_hooks`, …) where the runtime
 * offers one synchronously (Deno, Bun, Node ≥ 22.3), otherwise `undefined`.
 */
export function builtin<T>(id: string): T | undefined {
  try {
    const p = g.process;
    return p?.getBuiltinModule ? p.getBuiltinModule(id) as T | undefined : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime's version string, e.g. `"deno 2.1.0"`. */
export function runtimeVersion(): string {
  if (runtimeName === "deno") return `deno ${deno?.version?.deno ?? "?"}`;
  if (runtimeName === "bun") return `bun ${g.Bun?.version ?? "?"}`;
  if (runtimeName === "node") return `node ${proc?.versions.node ?? "?"}`;
  return "other";
}

const encoder = new TextEncoder();
const nodeFs: NodeFsLike | undefined = proc ? builtin<NodeFsLike>("node:fs") : undefined;

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
  } else if (nodeFs) {
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

/**
 * Reads an environment variable. On Deno it reads only when the permission is
 * already granted, so a script without `--allow-env` is never prompted and
 * never fails.
 */
export function getEnv(name: string): string | undefined {
  try {
    if (deno) {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      if (state !== "granted") return undefined;
      return deno.env.get(name);
    }
    if (proc) return proc.env[name];
  } catch {
    // No access: as if unset.
  }
  return undefined;
}

/** All environment variables whose name starts with `prefix`, where readable. */
export function getEnvWithPrefix(prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    if (deno) {
      const state = deno.permissions?.querySync?.({ name: "env" }).state;
      if (state !== "granted") return out;
      const all = deno.env.toObject();
      for (const k in all) if (k.startsWith(prefix)) out[k] = all[k];
    } else if (proc) {
      for (const k in proc.env) {
        const v = proc.env[k];
        if (k.startsWith(prefix) && v !== undefined) out[k] = v;
      }
    }
  } catch {
    // No access: nothing to read.
  }
  return out;
}

/**
 * Whether a permission is granted (Deno); always `true` on runtimes without
 * permissions. `kind` is `"read" | "write" | "net" | "env"`.
 */
export function hasPermission(kind: string, target?: string): boolean {
  if (!deno?.permissions?.querySync) return true;
  try {
    const d: { name: string; path?: string; host?: string; variable?: string } = { name: kind };
    if (target !== undefined) {
      if (kind === "net") d.host = target;
      else if (kind === "env") d.variable = target;
      else d.path = target;
    }
    return deno.permissions.querySync(d).state === "granted";
  } catch {
    return false;
  }
}

type SyncHook = () => void;
type AsyncHook = () => Promise<void> | void;
const exitHooks = new Set<SyncHook>();
const beforeExitHooks = new Set<AsyncHook>();
let exitInstalled = false;
let beforeExitInstalled = false;

function runExitHooks(): void {
  for (const hook of [...exitHooks]) {
    try {
      hook();
    } catch {
      // An exit hook must never stop the others.
    }
  }
}

function installExit(): void {
  if (exitInstalled) return;
  exitInstalled = true;
  try {
    if (deno && g.addEventListener) {
      g.addEventListener("unload", runExitHooks);
      // An uncaught error ends a Deno process without "unload": run the hooks
      // first, unless a handler took care of the error. The error still
      // ends the process as before; hooks are idempotent if it does not.
      const onFatal = (e: Event) => {
        if (!e.defaultPrevented) runExitHooks();
      };
      g.addEventListener("error", onFatal);
      g.addEventListener("unhandledrejection", onFatal);
    } else if (proc) proc.on("exit", runExitHooks);
    else if (g.addEventListener) g.addEventListener("pagehide", runExitHooks);
  } catch {
    // No exit event on this runtime: nothing to hook.
  }
  installSignals();
}

function runBeforeExitHooks(): Promise<unknown>[] {
  const running: Promise<unknown>[] = [];
  for (const hook of [...beforeExitHooks]) {
    try {
      const p = hook();
      if (p) running.push(p.catch(() => {}));
    } catch {
      // Never let one hook stop the others.
    }
  }
  return running;
}

function installBeforeExit(): void {
  if (beforeExitInstalled) return;
  beforeExitInstalled = true;
  const run = () => void runBeforeExitHooks();
  try {
    if (deno && g.addEventListener) g.addEventListener("beforeunload", run);
    else if (proc) proc.on("beforeExit", run);
  } catch {
    // No such event on this runtime.
  }
  installSignals();
}

/** Ends the process now with `code`, running the exit hooks. */
export function exitProcess(code: number): void {
  if (deno) deno.exit(code);
  else if (proc?.exit) proc.exit(code);
}

// ---------------------------------------------------------------------------
// Signals: SIGTERM, SIGINT and SIGHUP end the process by default, which runs
// no exit hook and loses what is buffered. Where the runtime lets us listen,
// and the application has no handler of its own, the listener flushes (the
// before-exit hooks, raced against a deadline) and then exits with 128 + the
// signal number, which runs the exit hooks.

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const signalSettings = { enabled: true, deadlineMs: 3000 };
let signalsInstalled = false;
let ending = false;
const ours = new Map<string, () => void>();
/** Signal listeners the application added through `Deno.addSignalListener` (also used by Deno's `node:process`). */
const appDenoListeners = new Map<string, Set<unknown>>();

if (deno && typeof deno.addSignalListener === "function" && typeof deno.removeSignalListener === "function") {
  // Deno has no listener count: note the application's listeners as they come.
  try {
    const add = deno.addSignalListener.bind(deno);
    const remove = deno.removeSignalListener.bind(deno);
    deno.addSignalListener = (signal, fn) => {
      add(signal, fn);
      if (ours.get(signal) !== fn) {
        let set = appDenoListeners.get(signal);
        if (set === undefined) appDenoListeners.set(signal, set = new Set());
        set.add(fn);
      }
    };
    deno.removeSignalListener = (signal, fn) => {
      remove(signal, fn);
      appDenoListeners.get(signal)?.delete(fn);
    };
  } catch {
    // A frozen namespace: every listener counts as the application's own.
  }
}

function applicationHandles(signal: string): boolean {
  try {
    if (deno) return (appDenoListeners.get(signal)?.size ?? 0) > 0;
    if (proc?.listenerCount) return proc.listenerCount(signal) > (ours.has(signal) ? 1 : 0);
  } catch {
    // Unknown: leave the signal to the application.
  }
  return true;
}

function onSignal(signal: string): void {
  if (!signalSettings.enabled || applicationHandles(signal)) return;
  const code = 128 + SIGNALS[signal];
  // A second signal while flushing ends the process at once.
  if (ending) return exitProcess(code);
  ending = true;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    exitProcess(code);
  };
  const timer = setTimeout(finish, signalSettings.deadlineMs);
  Promise.all(runBeforeExitHooks()).then(() => {
    clearTimeout(timer);
    finish();
  });
}

function installSignals(): void {
  if (signalsInstalled || !signalSettings.enabled) return;
  signalsInstalled = true;
  for (const signal of Object.keys(SIGNALS)) {
    const fn = () => onSignal(signal);
    try {
      if (deno?.addSignalListener) {
        ours.set(signal, fn);
        deno.addSignalListener(signal, fn);
      } else if (proc) {
        ours.set(signal, fn);
        proc.on(signal, fn);
      }
    } catch {
      // Not supported on this platform (SIGHUP on Windows): skip it.
      ours.delete(signal);
    }
  }
}

function uninstallSignals(): void {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  for (const [signal, fn] of ours) {
    try {
      if (deno?.removeSignalListener) deno.removeSignalListener(signal, fn);
      else proc?.off?.(signal, fn);
    } catch {
      // Already gone.
    }
  }
  ours.clear();
}

/**
 * Turns the signal handling on or off for the whole process and sets its
 * flush deadline. When on (the default), SIGTERM, SIGINT and SIGHUP that
 * the application does not handle itself run the before-exit hooks for at
 * most `deadlineMs` (default 3000), then exit with status 128 + the signal
 * number, running the exit hooks.
 */
export function setSignalHandling(enabled: boolean, deadlineMs?: number): void {
  signalSettings.enabled = enabled;
  if (deadlineMs !== undefined && Number.isFinite(deadlineMs) && deadlineMs >= 0) {
    signalSettings.deadlineMs = deadlineMs;
  }
  if (!enabled) uninstallSignals();
  else if (exitInstalled || beforeExitInstalled) installSignals();
}

/**
 * Runs `fn` synchronously when the process exits normally or through an
 * explicit `exit()` call. Returns a function that removes the hook.
 */
export function onExit(fn: SyncHook): () => void {
  installExit();
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

/**
 * Runs `fn` when the event loop is about to empty (Node/Bun `beforeExit`,
 * Deno `beforeunload`); work it starts keeps the process alive until done.
 * `fn` must start work only when it has some, or the process never ends.
 */
export function onBeforeExit(fn: AsyncHook): () => void {
  installBeforeExit();
  beforeExitHooks.add(fn);
  return () => beforeExitHooks.delete(fn);
}

/**
 * Lets a timer not hold the process open (Node/Bun `unref`, Deno
 * `Deno.unrefTimer`).
 */
export function unrefTimer(id: unknown): void {
  try {
    if (typeof id === "number") {
      const d = g.Deno as unknown as { unrefTimer?: (id: number) => void } | undefined;
      d?.unrefTimer?.(id);
    } else if (id && typeof (id as { unref?: () => void }).unref === "function") {
      (id as { unref: () => void }).unref();
    }
  } catch {
    // Not supported here: the timer keeps the process alive.
  }
}
