/**
 * npm packages the integration tests run against (OpenTelemetry, Hono),
 * installed on first use into `tests/peers/node_modules` (git-ignored, never
 * shipped) and loaded through their CommonJS builds, which work alike on
 * Deno, Bun and Node. Test runs of several runtimes may start at once, so
 * the install is guarded by a lock directory.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";

const DIR = new URL("./peers/", import.meta.url).pathname;
const MARKER = DIR + "node_modules/.package-lock.json";
const LOCK = DIR + ".install-lock";

function fresh(): boolean {
  try {
    return statSync(MARKER).mtimeMs >= statSync(DIR + "package.json").mtimeMs;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

let installed: string | undefined | null = null;

/**
 * Installs the test peers when needed. Returns undefined when they are
 * ready, else the reason they are not (the caller skips with it).
 */
export function ensurePeers(): string | undefined {
  if (installed !== null) return installed;
  const deadline = Date.now() + 300_000;
  while (!fresh()) {
    try {
      mkdirSync(LOCK);
    } catch {
      // Another runtime's test run is installing: wait for it, or take over a lock left by a dead process.
      let owner = NaN;
      try {
        owner = Number(readFileSync(LOCK + "/pid", "utf8"));
      } catch { /* being written */ }
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) return installed = "the test peers' install by another process did not end";
      else Atomics.wait(pause, 0, 0, 200);
      continue;
    }
    try {
      writeFileSync(LOCK + "/pid", String(process.pid));
      if (fresh()) break;
      execFileSync("npm", ["install", "--prefix", DIR, "--no-audit", "--no-fund", "--no-save"], {
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 300_000,
      });
      if (!existsSync(MARKER)) return installed = "npm install of tests/peers left no node_modules";
    } catch (e) {
      const err = e as { stderr?: Uint8Array; message?: string };
      const lines = err.stderr ? new TextDecoder().decode(err.stderr).trim().split("\n") : [];
      const errors = lines.filter((l) => /error/i.test(l) && !/complete log of this run/.test(l));
      const detail = errors.length > 0 ? errors.slice(0, 2).join(" / ") : err.message;
      return installed = `npm install of tests/peers failed: ${detail}`;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
  return installed = undefined;
}

/** `require` rooted at `tests/peers/`. */
export const peerRequire: (id: string) => unknown = createRequire(DIR + "package.json");

/** The path of a file inside an installed peer. */
export function peerPath(rel: string): string {
  return DIR + "node_modules/" + rel;
}
