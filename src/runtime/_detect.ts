/**
 * Which runtime this is, decided once at import without ever throwing: the
 * `Deno` namespace or the Node-style `process` where present, Node
 * built-ins, and Deno's permissions. Only the modules of `src/runtime/` use
 * these objects.
 */

/** The runtime families this package knows. */
export type RuntimeName = "deno" | "bun" | "node" | "other";

export interface DenoWriter {
  writeSync(p: Uint8Array): number;
  write?(p: Uint8Array): Promise<number>;
  isTerminal?(): boolean;
}
export interface DenoLike {
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
export interface NodeProcessLike {
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
export interface NodeFsLike {
  writeSync(fd: number, data: string | Uint8Array): number;
}

/** The global object, with what this package may find on it. */
export const g = globalThis as unknown as {
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

/** Deno's namespace, on Deno only. */
export const deno: DenoLike | undefined = runtimeName === "deno" ? g.Deno : undefined;
/** Node's `process`, on Bun and Node only. */
export const proc: NodeProcessLike | undefined = runtimeName === "bun" || runtimeName === "node"
  ? g.process
  : undefined;

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
