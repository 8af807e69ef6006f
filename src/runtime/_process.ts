/**
 * The few process facts the spool needs to share a file between processes:
 * this process's id, whether another one is still running, and creating a
 * file only when it does not exist yet (the lock). On `node:process` and
 * `node:fs`, present in Deno, Bun and Node; elsewhere there is one process
 * and every lock is granted.
 */
import { builtin } from "./runtime.ts";

interface NodeProcess {
  pid: number;
  kill(pid: number, signal: number): boolean;
}
interface NodeFs {
  writeFileSync(path: string, data: string, options: { flag: string }): void;
}

const proc = builtin<NodeProcess>("node:process");
const fs = builtin<NodeFs>("node:fs");

/** This process's id (0 where there is none). */
export const processId: number = typeof proc?.pid === "number" ? proc.pid : 0;

/** Whether process `pid` still runs (true when that cannot be told). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === processId) return true;
  if (proc === undefined) return true;
  try {
    proc.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, under another user.
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Creates `path` holding `text` only if it does not exist; false when it
 * does. Throws other file-system errors.
 */
export function createExclusive(path: string, text: string): boolean {
  if (fs === undefined) return true;
  try {
    fs.writeFileSync(path, text, { flag: "wx" });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return false;
    throw e;
  }
}
