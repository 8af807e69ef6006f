/**
 * Exit hooks: synchronous ones that run when the process exits (also on an
 * explicit `exit()`, and on Deno when an uncaught error ends it), and
 * asynchronous ones that run when the event loop is about to empty.
 */
import { deno, g, proc } from "./_detect.ts";

/** A hook run synchronously at exit. */
export type SyncHook = () => void;
/** A hook run when the event loop is about to empty. */
export type AsyncHook = () => Promise<void> | void;
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
export function runBeforeExitHooks(): Promise<unknown>[] {
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
export function exitHooksInstalled(): boolean {
  return exitInstalled || beforeExitInstalled;
}

/** Adds a synchronous exit hook (see `onExit`); returns its remover. */
export function addExitHook(fn: SyncHook): () => void {
  installExit();
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

/** Adds a before-exit hook (see `onBeforeExit`); returns its remover. */
export function addBeforeExitHook(fn: AsyncHook): () => void {
  installBeforeExit();
  beforeExitHooks.add(fn);
  return () => beforeExitHooks.delete(fn);
}
