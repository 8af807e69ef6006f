/**
 * Signals: SIGTERM, SIGINT and SIGHUP end the process by default, which runs
 * no exit hook and loses what is buffered. Where the runtime lets us listen,
 * and the application has no handler of its own, the listener flushes (the
 * before-exit hooks, raced against a deadline) and then exits with 128 + the
 * signal number, which runs the exit hooks.
 */
import { deno, proc } from "./_detect.ts";
import { exitHooksInstalled, exitProcess, runBeforeExitHooks } from "./_exit.ts";

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
export function installSignals(): void {
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
