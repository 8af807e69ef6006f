/**
 * WebSocket delivery under faults: a server that closes with 1011 after
 * each message (no acks), 2 000 records one per message, `flush()` while
 * logging goes on, and the spool with `fallbackToFile` across a restart.
 * The runtime's own WebSocket server; records numbered and counted by what
 * arrived.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { getLogger, type Logger } from "../../mod.ts";
import { sleep, tempDir, waitFor } from "../_helpers.ts";
import { wsServer, type WsTestServer } from "../_ws_server.ts";
import { recordScenario, tally } from "./_record.ts";

let counter = 0;
function wsLogger(config: Record<string, unknown>): Logger {
  return getLogger(`rel_ws_delivery_${++counter}`, { backends: [{ type: "websocket" as string, ...config }] });
}

/** Sequence numbers of every log record that arrived, in order (re-sends included). */
function arrived(server: WsTestServer): number[] {
  const out: number[] = [];
  for (const m of server.messages) {
    const msg = JSON.parse(m) as { type: string; logs?: { context: { seq: number } }[]; context?: { seq: number } };
    if (msg.type === "log_batch") out.push(...msg.logs!.map((l) => l.context.seq));
    else if (msg.type === "log") out.push(msg.context!.seq);
  }
  return out;
}

const stats = (logger: Logger) => logger.getBackends()[0].getStats();

describe("reliability: WebSocket delivery", () => {
  test("WebSocket server closing with 1011 after each message, no acks: nothing lost, no re-send storm", async () => {
    const server = await wsServer({ closeEach: 1011 });
    const logger = wsLogger({
      endpoint: server.url,
      reconnectInterval: 0.05,
      maxReconnectAttempts: 0,
      batchTimeout: 0.01,
      shutdownTimeout: 20,
    });
    try {
      for (let i = 0; i < 2000; i++) logger.info(`record ${i}`, { seq: i });
      await logger.flush();
      const started = Date.now();
      await logger.shutdown();
      const took = Date.now() - started;
      const t = tally(2000, arrived(server));
      const s = stats(logger);
      await recordScenario(
        "WebSocket: server closes 1011 after each message (no acks)",
        t,
        "what was on a connection that closed abnormally is re-sent on the next one, at most once per close",
        () => {
          assert.equal(t.lost, 0);
          assert.ok(t.duplicates <= 2000, `bounded re-sends: ${t.duplicates} duplicates`);
          assert.equal(s.messagesWritten, 2000);
          assert.equal(s.messagesDropped, 0);
          assert.ok(took < 20_000, `shutdown did not wait for its deadline (${took} ms)`);
        },
        `${t.duplicates} duplicates over ${s.connections} connections`,
      );
    } finally {
      await server.kill();
    }
  });

  test('WebSocket messageMode "record", 2 000 records: all arrive, in order', async () => {
    const server = await wsServer();
    const logger = wsLogger({ endpoint: server.url, messageMode: "record" });
    try {
      for (let i = 0; i < 2000; i++) logger.info(`record ${i}`, { seq: i });
      await logger.shutdown();
      const t = tally(2000, arrived(server));
      await recordScenario('WebSocket: messageMode "record", 2 000 records', t, "every record arrives once", () => {
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered);
        assert.equal(stats(logger).messagesWritten, 2000);
      });
    } finally {
      await server.kill();
    }
  });

  test("WebSocket flush() while logging continues: waits only for what was logged before it", async () => {
    const server = await wsServer();
    const logger = wsLogger({ endpoint: server.url, batchTimeout: 0.01, shutdownTimeout: 30 });
    let seq = 0;
    let logging = true;
    const loop = (async () => {
      const end = Date.now() + 25_000;
      while (logging && Date.now() < end) {
        logger.info(`record ${seq}`, { seq });
        seq++;
        await sleep(1);
      }
      return logging;
    })();
    try {
      await waitFor(() => seq >= 200);
      const before = seq;
      await logger.flush();
      const seen = new Set(arrived(server));
      const stillLogging = logging && seq > before;
      logging = false;
      const timedOut = await loop;
      await logger.shutdown();
      const t = tally(before, [...seen].filter((s) => s < before).sort((a, b) => a - b));
      await recordScenario(
        "WebSocket: flush() while logging continues",
        t,
        "flush() resolves once what was logged before it is delivered",
        () => {
          assert.ok(stillLogging && !timedOut, "flush resolved while records kept coming");
          assert.equal(t.lost, 0, "everything logged before flush() had arrived");
        },
      );
    } finally {
      logging = false;
      await server.kill();
    }
  });

  test("WebSocket fallbackToFile: spooled while the server is down, replayed first by the next backend", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "ws_spool.ndjson");
    const server = await wsServer({ listen: false });
    try {
      const config = {
        endpoint: server.url,
        fallbackToFile: true,
        fallbackFile: spool,
        reconnectInterval: 0.02,
        shutdownTimeout: 0.5,
      };
      const first = wsLogger(config);
      for (let i = 0; i < 300; i++) first.info(`record ${i}`, { seq: i });
      await first.shutdown();
      const firstStats = stats(first);
      await server.start();
      const second = wsLogger(config);
      for (let i = 300; i < 400; i++) second.info(`record ${i}`, { seq: i });
      await waitFor(() => new Set(arrived(server)).size >= 400, 10_000);
      await second.shutdown();
      const t = tally(400, arrived(server));
      await recordScenario(
        "WebSocket: fallbackToFile across an outage",
        t,
        "with fallbackToFile nothing is lost: spooled, then replayed first",
        () => {
          assert.equal(firstStats.spooled, 300);
          assert.equal(firstStats.messagesDropped, 0);
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(t.ordered, "the spool first, then the new records");
          assert.ok(!existsSync(spool));
        },
      );
    } finally {
      await server.kill();
      dir.cleanup();
    }
  });
});
