/** Shared test helpers: temp dirs, subprocesses on the current runtime. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const g = globalThis as unknown as { Deno?: unknown; Bun?: unknown };

/** The runtime running the tests. */
export const runtime: "deno" | "bun" | "node" = g.Deno ? "deno" : g.Bun ? "bun" : "node";

/** The project root, as a path. */
export const ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A fresh temp dir; removed by the returned `cleanup`. */
export function tempDir(prefix = "jinpy-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The command line that runs a TS file on the current runtime. */
export function runtimeCommand(file: string, denoFlags: string[] = ["-A"]): string[] {
  const exec = (globalThis as unknown as { process: { execPath: string } }).process.execPath;
  if (runtime === "deno") return [exec, "run", ...denoFlags, file];
  return [exec, file];
}

/** Output of a finished subprocess. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (bounded by `timeoutMs`), collecting output. */
export function runCommand(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; stdin?: string } = {},
): Promise<RunResult> {
  if (runtime === "deno") return runDenoCommand(cmd, options);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: options.cwd,
      env: { ...(globalThis as unknown as { process: { env: Record<string, string> } }).process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => stdout += d);
    child.stderr!.on("data", (d: string) => stderr += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    else child.stdin!.end();
  });
}

interface DenoCommandApi {
  Command: new (cmd: string, opts: Record<string, unknown>) => {
    spawn(): {
      stdin: WritableStream<Uint8Array>;
      output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
      kill(signal: string): void;
    };
  };
}

/**
 * Deno's node:child_process grants every permission to a spawned Deno, so
 * permission tests spawn with Deno.Command instead.
 */
async function runDenoCommand(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; stdin?: string },
): Promise<RunResult> {
  const D = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
  const child = new D.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: options.cwd,
    env: options.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (options.stdin !== undefined) await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs TS source as a script file on the current runtime, from `dir`. */
export async function runScript(
  dir: string,
  source: string,
  options: { denoFlags?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const { writeFileSync } = await import("node:fs");
  const file = join(dir, `script_${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source.replaceAll("@jinpy/logger", join(ROOT, "mod.ts")));
  return runCommand(runtimeCommand(file, options.denoFlags), {
    cwd: dir,
    env: options.env,
    timeoutMs: options.timeoutMs,
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(fn: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(stepMs);
  }
  return await fn();
}

/** The keys of a record on the wire, in order (the Python edition's). */
export const WIRE_KEYS: readonly string[] = [
  "timestamp",
  "level",
  "message",
  "logger_name",
  "correlation_id",
  "context",
  "module",
  "function",
  "line_number",
];

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const net = await import("node:net");
  return await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function portOpen(port: number): Promise<boolean> {
  const net = await import("node:net");
  return await new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** The path of an installed program (PATH plus the sbin folders), or undefined. */
export function findBinary(name: string): string | undefined {
  const { existsSync } = (globalThis as unknown as {
    process: { getBuiltinModule(id: string): { existsSync(p: string): boolean } };
  }).process.getBuiltinModule("node:fs");
  const path = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env.PATH;
  const dirs = (path ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/usr/local/bin"]);
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

/** Stops a server child by PID: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
