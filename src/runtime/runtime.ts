/**
 * The one place that knows which runtime it runs on. Everything else asks
 * this module for stdout/stderr, env, TTY, exit hooks and Node built-ins.
 * Detection happens once at import (`_detect.ts`) and never throws, so the
 * package loads in browsers and on Deno Deploy as well.
 */
import { addBeforeExitHook, addExitHook, type AsyncHook, type SyncHook } from "./_exit.ts";
import { deno, g, proc, runtimeName } from "./_detect.ts";
import { installSignals } from "./_signals.ts";

export { builtin, hasPermission, type RuntimeName, runtimeName } from "./_detect.ts";
export { exitProcess } from "./_exit.ts";
export { setSignalHandling } from "./_signals.ts";
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
