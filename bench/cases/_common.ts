/**
 * Helpers shared by the benchmark cases. Each case runs in a fresh process,
 * reads `--impl=…` and `--n=…` from its arguments, and prints one result line
 * (`@@bench {json}`) on stderr for the driver, so stdout can go to /dev/null.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { BackendFactory } from "../../mod.ts";

/** The runtime running this case. */
export const runtime: "deno" | "bun" | "node" = (globalThis as { Deno?: unknown }).Deno !== undefined
  ? "deno"
  : (globalThis as { Bun?: unknown }).Bun !== undefined
  ? "bun"
  : "node";

/** `--key=value` arguments of the case. */
export function args(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]] = m[2] ?? "true";
  }
  return out;
}

/** What a case reports. `rate` is records (or calls) per second. */
export interface CaseResult {
  impl: string;
  n: number;
  ms: number;
  rate: number;
  /** Records found at the destination (lines in the file, lines counted by the server). */
  delivered?: number;
  /** Why the case did not run. */
  skipped?: string;
  /** Further numbers of the case (memory figures, ns per call). */
  extra?: Record<string, number | string>;
}

/** Prints the result line for the driver. */
export function report(result: CaseResult): void {
  console.error("@@bench " + JSON.stringify(result));
}

/** Reports a case that cannot run here, and why. */
export function skip(impl: string, reason: string): void {
  report({ impl, n: 0, ms: 0, rate: 0, skipped: reason });
}

/** Whether our backend `type` is registered; reports a skip when it is not. */
export function haveBackend(type: string, impl: string): boolean {
  if (BackendFactory.getRegisteredTypes().includes(type)) return true;
  skip(impl, `backend "${type}" is not registered in this build`);
  return false;
}

/** `require` rooted at `bench/peers/`, where the peer loggers are installed. */
export const peerRequire: (id: string) => unknown = createRequire(
  new URL("../peers/package.json", import.meta.url).pathname,
);

/** Loads a peer package, or reports a skip when it is not installed. */
export function loadPeer<T>(id: string, impl: string): T | undefined {
  try {
    return peerRequire(id) as T;
  } catch (e) {
    skip(impl, `peer ${id} not loadable on ${runtime}: ${String((e as Error)?.message ?? e).split("\n")[0]}`);
    return undefined;
  }
}

/** A fresh temp dir and its cleanup. */
export function tempDir(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), "jinpy-bench-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Newline-terminated lines in a file. */
export function countLines(path: string): number {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return 0;
  }
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** Creates (or truncates) a file and returns its path. */
export function touch(path: string): string {
  closeSync(openSync(path, "w"));
  return path;
}

/** The message of every record. */
export const MESSAGE = "request handled";

/** Three context fields, as in the `file` case. */
export function context3(i: number): Record<string, unknown> {
  return { user_id: i, path: "/api/items", status: 200 };
}

/** Twenty fields, some nested (the `context_heavy` case). No key looks like a secret. */
export function context20(i: number): Record<string, unknown> {
  return {
    request_id: "req-" + i,
    user_id: i,
    method: "GET",
    path: "/api/items/42",
    status: 200,
    duration_ms: 12.5,
    bytes: 5120,
    cache_hit: false,
    region: "eu-west-1",
    version: "1.2.3",
    client: { ip: "192.0.2.1", agent: "bench/1.0", tags: ["a", "b", "c"] },
    query: { page: 2, limit: 50, sort: "name" },
    user: { id: i, roles: ["admin", "dev"], org: { id: 7, name: "acme" } },
    timings: { db: 3.2, render: 1.1, total: 12.5 },
    flags: [1, 2, 3],
    trace: { span: "abc", parent: null },
    retry: 0,
    host: "web-1",
    env: "prod",
    ok: true,
  };
}

/** A context with secrets at the top and one level down (the `redaction` case). */
export function contextSecret(i: number): Record<string, unknown> {
  return { user_id: i, path: "/login", password: "hunter2", api_token: "t-" + i, session: { id: i, auth: "Bearer x" } };
}

/** The wire record our logger writes, built the plain way (the raw limit's object). */
export function wireRecord(context: Record<string, unknown>): Record<string, unknown> {
  return {
    timestamp: new Date().toISOString(),
    level: "info",
    message: MESSAGE,
    logger_name: "bench",
    correlation_id: null,
    context,
    module: null,
    function: null,
    line_number: null,
  };
}

/** Milliseconds, monotonic. */
export function now(): number {
  return performance.now();
}

/** Resident set size and its peak so far, in MB (Linux /proc; 0 elsewhere). */
export function memoryMb(): { rss: number; peak: number } {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return { rss: process.memoryUsage().rss / 1048576, peak: 0 };
  }
}

/** Ends the process once the result is out (some peers keep timers alive). */
export function exit(code = 0): never {
  process.exit(code);
}
