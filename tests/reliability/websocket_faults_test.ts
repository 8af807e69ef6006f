/**
 * WebSocket faults: the server killed mid-stream and restarted (with and
 * without acks), and a server that accepts TCP but never answers the
 * upgrade (connect timeout, reconnects, then unhealthy with every record
 * counted).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, type Logger } from "../../mod.ts";
import { sleep, waitFor } from "../_helpers.ts";
import { batchIdOf, wsServer, type WsTestServer } from "../_ws_server.ts";
import { silentServer } from "./_raw_server.ts";
import { recordScenario, tally } from "./_record.ts";
import { within } from "./_wait.ts";

let counter = 0;

function wsLogger(config: Record<string, unknown>): Logger {
  return getLogger(`rel_ws_${++counter}`, { backends: [{ type: "websocket" as string, ...config }] });
}

/** Every record's seq in arrival order (re-sent copies included), and once per batch_id. */
function seqsOf(server: WsTestServer): { raw: number[]; deduped: number[] } {
  const raw: number[] = [];
  const deduped: number[] = [];
  const seen = new Set<string>();
  for (const m of server.messages) {
    const msg = JSON.parse(m) as { type: string; logs?: { context: { seq: number } }[] };
    if (msg.type !== "log_batch") continue;
    const seqs = msg.logs!.map((l) => l.context.seq);
    raw.push(...seqs);
    const id = batchIdOf(m)!;
    if (!seen.has(id)) deduped.push(...seqs);
    seen.add(id);
  }
  return { raw, deduped };
}

/** Logs `n` records in chunks, killing the server after its `dieAfter`-th message and restarting it. */
async function streamThroughRestart(logger: Logger, server: WsTestServer, n: number): Promise<void> {
  let restarted = false;
  for (let i = 0; i < n; i++) {
    logger.info(`record ${i}`, { seq: i });
    if ((i + 1) % 20 === 0) {
      await sleep(2);
      if (!restarted && !server.running) {
        restarted = true;
        await sleep(100);
        await server.start();
      }
    }
  }
  if (!restarted) {
    assert.ok(await waitFor(() => !server.running, 5000), "the server died mid-stream");
    await sleep(100);
    await server.start();
  }
}

describe("reliability: WebSocket faults", () => {
  test("WebSocket server killed mid-stream and restarted, with acks: nothing lost, re-sends keep their batch_id", async () => {
    const server = await wsServer({ acks: true, dieAfter: 5 });
    const logger = wsLogger({
      endpoint: server.url,
      acks: true,
      batchSize: 20,
      batchTimeout: 0,
      reconnectInterval: 0.05,
      maxReconnectAttempts: 0,
    });
    try {
      await streamThroughRestart(logger, server, 1000);
      await within(logger.flush(), 15_000);
      const { raw, deduped } = seqsOf(server);
      const t = tally(1000, raw);
      const d = tally(1000, deduped);
      const stats = logger.getBackends()[0].getStats();
      await recordScenario(
        "WebSocket: server killed and restarted (acks)",
        t,
        "with acks nothing is lost: unacknowledged messages are re-sent after the reconnect with the same batch_id; deduplicating on it leaves no duplicate",
        () => {
          assert.equal(t.lost, 0);
          assert.equal(d.duplicates, 0, "every duplicate carries the batch_id of its first copy");
          assert.equal(d.lost, 0);
          assert.ok(d.ordered, "in order once de-duplicated");
          assert.equal(stats.messagesWritten, 1000);
          assert.equal(stats.messagesDropped, 0);
          assert.ok((stats.reconnects as number) >= 1);
        },
        `reconnects ${stats.reconnects}`,
      );
    } finally {
      await logger.shutdown();
      await server.kill();
    }
  });

  test("WebSocket server killed mid-stream and restarted, without acks: what was in the socket may be lost", async () => {
    const server = await wsServer({ dieAfter: 5 });
    const logger = wsLogger({
      endpoint: server.url,
      batchSize: 20,
      batchTimeout: 0,
      reconnectInterval: 0.05,
      maxReconnectAttempts: 0,
    });
    try {
      await streamThroughRestart(logger, server, 1000);
      await within(logger.flush(), 15_000);
      const { raw, deduped } = seqsOf(server);
      const t = tally(1000, raw);
      const d = tally(1000, deduped);
      const stats = logger.getBackends()[0].getStats();
      await recordScenario(
        "WebSocket: server killed and restarted (no acks)",
        t,
        "without acks a message counts as sent once the socket has handed it to the OS; messages in the socket when the server dies can be lost — use acks: true",
        () => {
          assert.equal(d.duplicates, 0);
          assert.equal(stats.messagesDropped, 0);
          // Only messages of the dying connection can go missing: a bounded, contiguous few.
          assert.ok(t.lost <= 16 * 20, `lost ${t.lost}`);
          assert.equal(stats.messagesWritten, 1000, "the backend handed every record to a socket");
        },
        `written ${stats.messagesWritten}`,
      );
    } finally {
      await logger.shutdown();
      await server.kill();
    }
  });

  test("WebSocket server that never answers the upgrade: connect timeout, reconnects, unhealthy, every record counted", async () => {
    const server = await silentServer();
    const logger = wsLogger({
      endpoint: `ws://127.0.0.1:${server.port}/ws`,
      connectTimeout: 0.2,
      reconnectInterval: 0.02,
      maxReconnectAttempts: 2,
    });
    const backend = logger.getBackends()[0];
    try {
      for (let i = 0; i < 100; i++) logger.info(`record ${i}`, { seq: i });
      const unhealthy = await waitFor(() => !backend.isHealthy(), 10_000);
      const gaveUp = await waitFor(() => /gave up/.test(String(backend.getStats().lastError)), 10_000);
      for (let i = 100; i < 110; i++) logger.info(`record ${i}`, { seq: i });
      const stats = backend.getStats();
      const t = tally(110, []);
      await recordScenario(
        "WebSocket: server never answers the upgrade",
        t,
        "nothing can be delivered; the backend is unhealthy from the first timed-out attempt, and after maxReconnectAttempts it gives up and counts every record in messagesDropped",
        () => {
          assert.ok(unhealthy, "unhealthy from the first timed-out attempt");
          assert.ok(gaveUp, "gave up after its reconnect attempts");
          assert.equal(backend.isHealthy(), false);
          assert.ok(server.connections >= 3, `connected ${server.connections} times (1 + 2 reconnects)`);
          assert.equal(stats.messagesDropped, 110, "every record counted");
          assert.match(String(stats.lastError), /timed out/);
        },
        `${server.connections} connection attempts, messagesDropped ${stats.messagesDropped}`,
      );
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });
});
