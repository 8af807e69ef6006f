/**
 * The exit path of the network backends: a process that calls `exit()`
 * while records wait in memory or in flight writes them to the spool
 * synchronously (REST and WebSocket alike), and the next run replays them.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startServer } from "../_http_server.ts";
import { runScript, tempDir } from "../_helpers.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";

const SPOOLED = "with fallbackToFile, exit() writes what is unsent to the spool synchronously";

describe("reliability: network backends at exit()", () => {
  test("REST exit() with a batch in flight and records queued: all of them in the spool", async () => {
    const dir = tempDir();
    // Never answers in time: the first batch is in flight when the process exits.
    const server = await startServer(() => ({ delayMs: 30_000 }));
    try {
      const r = await runScript(
        dir.path,
        `import process from "node:process";
import { getLogger } from "@jinpy/logger";
const logger = getLogger("exit", { backends: [{ type: "rest_api", endpoint: "${server.url}/in", batchSize: 50,
  fallbackToFile: true, fallbackFile: "spool.ndjson" }] });
for (let i = 0; i < 120; i++) logger.info("record " + i, { seq: i });
await new Promise((r) => setTimeout(r, 200));
process.exit(0);
`,
        { timeoutMs: 20_000 },
      );
      const spool = join(dir.path, "spool.ndjson");
      const t = tally(120, existsSync(spool) ? seqsOfLines(readFileSync(spool, "utf8")) : []);
      await recordScenario("REST: exit() with records in flight", t, SPOOLED, () => {
        assert.equal(r.code, 0, r.stderr);
        assert.ok(server.requests.length >= 1, "a batch was in flight");
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
});
