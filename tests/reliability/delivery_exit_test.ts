/**
 * The exit path of the network backends: a process that calls `exit()`,
 * or gets SIGTERM, while records wait in memory or in flight writes them
 * to the spool synchronously (REST and WebSocket alike).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startServer } from "../_http_server.ts";
import { ROOT, runScript, runtimeCommand, tempDir, waitFor } from "../_helpers.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";

const SPOOLED = "with fallbackToFile, exit() writes what is unsent to the spool synchronously";

interface Ended {
  code: number | null;
  signal: string | null;
}

/** Runs `source` as a script until it prints "ready"; returns how to signal it and how it ended. */
async function startChild(dir: string, source: string): Promise<{ kill(s: string): void; ended: Promise<Ended> }> {
  const file = join(dir, "child.ts");
  writeFileSync(file, source.replaceAll("@jinpy/logger", join(ROOT, "mod.ts")));
  const cmd = runtimeCommand(file);
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  let out = "";
  const onOut = (d: string) => {
    out += d;
    if (out.includes("ready")) ready();
  };
  type DenoCommand = {
    Command: new (cmd: string, o: Record<string, unknown>) => {
      spawn(): {
        stdout: ReadableStream<Uint8Array>;
        stderr: ReadableStream<Uint8Array>;
        kill(s: string): void;
        status: Promise<{ code: number; signal: string | null }>;
      };
    };
  };
  const D = (globalThis as unknown as { Deno?: DenoCommand }).Deno;
  let child: { kill(s: string): void; ended: Promise<Ended> };
  if (D) {
    const p = new D.Command(cmd[0], { args: cmd.slice(1), cwd: dir, stdin: "null", stdout: "piped", stderr: "null" })
      .spawn();
    const pumped = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of p.stdout) onOut(dec.decode(chunk, { stream: true }));
    })();
    child = {
      kill: (s) => p.kill(s),
      ended: pumped.then(() => p.status).then((
        s,
      ) => (s.signal ? { code: null, signal: s.signal } : { code: s.code, signal: null })),
    };
  } else {
    const c: ChildProcess = spawn(cmd[0], cmd.slice(1), { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
    c.stdout!.setEncoding("utf8");
    c.stdout!.on("data", onOut);
    child = {
      kill: (s) => void c.kill(s as NodeJS.Signals),
      ended: new Promise((resolve) => c.on("close", (code, signal) => resolve({ code, signal }))),
    };
  }
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  child.ended.then(() => clearTimeout(killer));
  await Promise.race([
    isReady,
    child.ended.then((e) => Promise.reject(new Error(`ended early: ${JSON.stringify(e)}`))),
  ]);
  return child;
}

describe("reliability: network backends at exit()", () => {
  test("REST exit() with a batch in flight and records queued: all of them in the spool", async () => {
    const dir = tempDir();
    // Never answers in time: the first batch is in flight when the process exits.
    let inFlight = 0;
    const server = await startServer((
      r,
    ) => (r.path === "/count" ? { body: String(inFlight) } : (inFlight++, { delayMs: 30_000 })));
    try {
      const r = await runScript(
        dir.path,
        `import process from "node:process";
import { getLogger } from "@jinpy/logger";
const logger = getLogger("exit", { backends: [{ type: "rest_api", endpoint: "${server.url}/in", batchSize: 50,
  fallbackToFile: true, fallbackFile: "spool.ndjson" }] });
for (let i = 0; i < 120; i++) logger.info("record " + i, { seq: i });
// Exit once a batch is in flight.
while ((await (await fetch("${server.url}/count")).text()) === "0") await new Promise((r) => setTimeout(r, 10));
process.exit(0);
`,
        { timeoutMs: 20_000 },
      );
      const spool = join(dir.path, "spool.ndjson");
      const t = tally(120, existsSync(spool) ? seqsOfLines(readFileSync(spool, "utf8")) : []);
      await recordScenario("REST: exit() with records in flight", t, SPOOLED, () => {
        assert.equal(r.code, 0, r.stderr);
        assert.ok(inFlight >= 1, "a batch was in flight");
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(!existsSync(spool + ".lock"), "the spool's lock is released");
      });
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("WebSocket exit() while the server is down: everything in the spool, in order", async () => {
    const dir = tempDir();
    const port = await freePort();
    try {
      const r = await runScript(
        dir.path,
        `import process from "node:process";
import { getLogger } from "@jinpy/logger";
const logger = getLogger("exit", { backends: [{ type: "websocket", endpoint: "ws://127.0.0.1:${port}/",
  reconnectInterval: 0.02, maxReconnectAttempts: 0, fallbackToFile: true, fallbackFile: "ws_spool.ndjson" }] });
for (let i = 0; i < 300; i++) logger.info("record " + i, { seq: i });
await new Promise((r) => setTimeout(r, 300));
process.exit(0);
`,
        { timeoutMs: 20_000 },
      );
      const spool = join(dir.path, "ws_spool.ndjson");
      const t = tally(300, existsSync(spool) ? seqsOfLines(readFileSync(spool, "utf8")) : []);
      await recordScenario("WebSocket: exit() while the server is down", t, SPOOLED, () => {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered);
      });
    } finally {
      dir.cleanup();
    }
  });

  test("REST SIGTERM with a batch in flight: exits 143, everything unsent in the spool", async () => {
    const dir = tempDir();
    const server = await startServer(() => ({ delayMs: 30_000 }));
    try {
      const child = await startChild(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("term", { backends: [{ type: "rest_api", endpoint: "${server.url}/in", batchSize: 50,
  fallbackToFile: true, fallbackFile: "spool.ndjson" }] });
for (let i = 0; i < 120; i++) logger.info("record " + i, { seq: i });
setInterval(() => {}, 1000);
setTimeout(() => console.log("ready"), 200);
`,
      );
      assert.ok(await waitFor(() => server.requests.length >= 1, 20_000), "a batch is in flight");
      child.kill("SIGTERM");
      const end = await child.ended;
      const spool = join(dir.path, "spool.ndjson");
      const t = tally(120, existsSync(spool) ? seqsOfLines(readFileSync(spool, "utf8")) : []);
      await recordScenario("REST: SIGTERM with records in flight", t, SPOOLED.replace("exit()", "a signal"), () => {
        assert.deepEqual(end, { code: 143, signal: null });
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
      });
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("WebSocket SIGTERM while the server is down: exits 143, everything in the spool", async () => {
    const dir = tempDir();
    const port = await freePort();
    try {
      const child = await startChild(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("term", { backends: [{ type: "websocket", endpoint: "ws://127.0.0.1:${port}/",
  reconnectInterval: 0.02, maxReconnectAttempts: 0, fallbackToFile: true, fallbackFile: "ws_spool.ndjson" }] });
for (let i = 0; i < 300; i++) logger.info("record " + i, { seq: i });
setInterval(() => {}, 1000);
setTimeout(() => console.log("ready"), 200);
`,
      );
      child.kill("SIGTERM");
      const end = await child.ended;
      const spool = join(dir.path, "ws_spool.ndjson");
      const t = tally(300, existsSync(spool) ? seqsOfLines(readFileSync(spool, "utf8")) : []);
      await recordScenario(
        "WebSocket: SIGTERM while the server is down",
        t,
        SPOOLED.replace("exit()", "a signal"),
        () => {
          assert.deepEqual(end, { code: 143, signal: null });
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
        },
      );
    } finally {
      dir.cleanup();
    }
  });
});
