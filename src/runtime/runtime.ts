/**
 * The one place that knows which runtime it runs on. Everything else asks
 * this module for stdout/stderr, env, TTY, exit hooks and Node built-ins.
 * Detection happens once at import (`_detect.ts`) and never throws, so the
 * package loads in browsers and on Deno Deploy as well.
 */
import { deno, g, proc, runtimeName } from "./_detect.ts";

export { builtin, hasPermission, type RuntimeName, runtimeName } from "./_detect.ts";
export {
  type ByteTarget,
  isTerminal,
  isWouldBlock,
  sleepSync,
  STALL_MS,
  type StdStream,
  stdTarget,
  writeAllSync,
  writeStd,
} from "./_std.ts";

// Exit hooks: synchronous ones that run when the process exits (also on an
// explicit `exit()`, and on Deno when an uncaught error ends it), and
// asynchronous ones that run when the event loop is about to empty.
/** A hook run synchronously at exit. */
type SyncHook = () => void;
/** A hook run when the event loop is about to empty. */
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
}

/** Starts every before-exit hook; returns those still running. */
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
}

/** Ends the process now with `code`, running the exit hooks. */
export function exitProcess(code: number): void {
  if (deno) deno.exit(code);
  else if (proc?.exit) proc.exit(code);
}

/** Whether an exit or before-exit hook was ever added (the signal handling then listens). */
function exitHooksInstalled(): boolean {
  return exitInstalled || beforeExitInstalled;
}

/** Adds a synchronous exit hook (see `onExit`); returns its remover. */
function addExitHook(fn: SyncHook): () => void {
  installExit();
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

/** Adds a before-exit hook (see `onBeforeExit`); returns its remover. */
function addBeforeExitHook(fn: AsyncHook): () => void {
  installBeforeExit();
  beforeExitHooks.add(fn);
  return () => beforeExitHooks.delete(fn);
}

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

/** Listens for the signals, once, unless the handling is off. */
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
  else if (exitHooksInstalled()) installSignals();
}

/** The runtime's version string, e.g. `"deno 2.1.0"`. */
export function runtimeVersion(): string {
  if (runtimeName === "deno") return `deno ${deno?.version?.deno ?? "?"}`;
  if (runtimeName === "bun") return `bun ${g.Bun?.version ?? "?"}`;
  if (runtimeName === "node") return `node ${proc?.versions.node ?? "?"}`;
  return "other";
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
 * Runs `fn` synchronously when the process exits normally or through an
 * explicit `exit()` call. Returns a function that removes the hook.
 */
export function onExit(fn: SyncHook): () => void {
  const remove = addExitHook(fn);
  installSignals();
  return remove;
}

/**
 * Runs `fn` when the event loop is about to empty (Node/Bun `beforeExit`,
 * Deno `beforeunload`); work it starts keeps the process alive until done.
 * `fn` must start work only when it has some, or the process never ends.
 */
export function onBeforeExit(fn: AsyncHook): () => void {
  const remove = addBeforeExitHook(fn);
  installSignals();
  return remove;
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
