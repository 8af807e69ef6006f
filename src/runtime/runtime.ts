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
  exit(code?: number): never;
  build?: { os: string };
  version?: { deno: string };
}
interface NodeProcessLike {
  versions: Record<string, string | undefined>;
  env: Record<string, string | undefined>;
  stdout?: { isTTY?: boolean };
  stderr?: { isTTY?: boolean };
  on(event: string, fn: (...args: unknown[]) => void): void;
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

function writeAllDeno(w: DenoWriter, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) {
    const n = w.writeSync(bytes);
    bytes = bytes.subarray(n);
  }
}

function writeAllNode(fs: NodeFsLike, fd: number, text: string): void {
  let bytes = encoder.encode(text);
  let attempts = 0;
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(fs.writeSync(fd, bytes));
    } catch (e) {
      // Non-blocking pipes answer EAGAIN when full: try again, bounded.
      if ((e as { code?: string }).code === "EAGAIN" && attempts++ < 100_000) continue;
      throw e;
    }
  }
}

/** Which standard stream. */
export type StdStream = "stdout" | "stderr";

/**
 * Writes text to stdout or stderr synchronously, in full. Throws only what
 * the OS reports (a closed pipe); callers decide what to do with it.
 */
export function writeStd(stream: StdStream, text: string): void {
  if (text.length === 0) return;
  if (deno) {
    writeAllDeno(stream === "stdout" ? deno.stdout : deno.stderr, text);
  } else if (nodeFs) {
    writeAllNode(nodeFs, stream === "stdout" ? 1 : 2, text);
  } else {
    const line = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (stream === "stdout") console.log(line);
    else console.error(line);
  }
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
}

function installBeforeExit(): void {
  if (beforeExitInstalled) return;
  beforeExitInstalled = true;
  const run = () => {
    for (const hook of [...beforeExitHooks]) {
      try {
        const p = hook();
        if (p) p.catch(() => {});
      } catch {
        // Never let one hook stop the others.
      }
    }
  };
  try {
    if (deno && g.addEventListener) g.addEventListener("beforeunload", run);
    else if (proc) proc.on("beforeExit", run);
  } catch {
    // No such event on this runtime.
  }
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
