import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BackendFactory,
  getLogger,
  LoggerConfigurationError,
  LogLevel,
  normalizeBackendConfig,
  WebSocketBackend,
} from "../mod.ts";
import { headersSupportedOn } from "../src/runtime/websocket.ts";
import { runScript, sleep, tempDir, waitFor } from "./_helpers.ts";
import { batchIdOf, freePort, wsServer, type WsTestServer } from "./_ws_server.ts";

interface Batch {
  type: string;
  batch_id: string;
  timestamp?: string;
  source?: string;
  count?: number;
  logs?: { message: string; level: string; logger_name: string; context: Record<string, unknown> }[];
  message?: string;
}

let nameSeq = 0;
const uniqueName = (base: string) => `${base}_${++nameSeq}_${Math.random().toString(36).slice(2, 6)}`;

/** Log batches the server recorded (pings left out). */
function batches(server: WsTestServer): Batch[] {
  return server.messages.map((m) => JSON.parse(m) as Batch).filter((b) => b.type === "log_batch" || b.type === "log");
}

/** Record messages in arrival order, each batch counted once (de-duplicated on batch_id). */
function delivered(server: WsTestServer): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const b of batches(server)) {
    if (seen.has(b.batch_id)) continue;
    seen.add(b.batch_id);
    if (b.type === "log") out.push(b.message!);
    else for (const r of b.logs!) out.push(r.message);
  }
  return out;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `record ${from + i}`);

function backendOf(logger: ReturnType<typeof getLogger>): WebSocketBackend {
  return logger.getBackends()[0] as WebSocketBackend;
}

describe("WebSocketBackend", () => {
  test("the seed example: records arrive in order as log_batch messages, Authorization seen, closed with 1000", async () => {
    const server = await wsServer();
    try {
      const logger = getLogger(uniqueName("websocket_app"), {
        backends: [{
          type: "websocket",
          level: LogLevel.INFO,
          endpoint: `${server.url}/ws`,
          headers: { Authorization: "Bearer YOUR_TOKEN" },
          reconnect_interval: 5.0,
          max_reconnect_attempts: 10,
        } as never],
      });
      logger.info("This will be sent via WebSocket");
      logger.debug("below the level");
      for (let i = 0; i < 150; i++) logger.info(`record ${i}`, { i });
      await logger.flush();
      const stats = backendOf(logger).getStats();
      assert.equal(stats.connected, true);
      assert.equal(stats.messagesWritten, 151);
      await logger.shutdown();

      assert.equal(server.handshakes.length, 1);
      assert.equal(server.handshakes[0].path, "/ws");
      assert.equal(server.handshakes[0].headers.authorization, "Bearer YOUR_TOKEN");
      assert.deepEqual(delivered(server), ["This will be sent via WebSocket", ...range(150)]);
      const all = batches(server);
      assert.ok(all.length >= 2, "150 records with batchSize 100 need two messages");
      for (const b of all) {
        assert.equal(b.type, "log_batch");
        assert.match(b.batch_id, /^[0-9a-f]+-\d+$/);
        assert.equal(b.source, logger.name);
        assert.equal(b.count, b.logs!.length);
        assert.ok(!Number.isNaN(Date.parse(b.timestamp!)));
        assert.equal(b.logs![0].level, "info");
      }
      assert.equal(new Set(all.map((b) => b.batch_id)).size, all.length);
      assert.ok(await waitFor(() => server.closeCodes.includes(1000), 3000), `close codes ${server.closeCodes}`);
      const after = backendOf(logger).getStats();
      assert.equal(after.connected, false);
      assert.equal(after.messagesDropped, 0);
      assert.ok(!JSON.stringify(after).includes("YOUR_TOKEN"));
    } finally {
      await server.kill();
    }
  });

  test("server down at start and up later: unhealthy while reconnecting, then healthy and the buffer delivered in order", async () => {
    const server = await wsServer({ listen: false });
    try {
      const logger = getLogger(uniqueName("late"), {
        backends: [{ type: "websocket", endpoint: server.url, reconnectInterval: 0.05, maxReconnectAttempts: 0 }],
      });
      for (let i = 0; i < 30; i++) logger.info(`record ${i}`);
      const backend = backendOf(logger);
      assert.ok(await waitFor(() => backend.getStats().lastError !== null, 5000));
      assert.equal(backend.getStats().connected, false);
      assert.equal(backend.isHealthy(), false, "unhealthy while it cannot connect");
      assert.equal(backend.getStats().healthy, false);
      await server.start();
      assert.ok(await waitFor(() => delivered(server).length === 30, 10_000));
      assert.deepEqual(delivered(server), range(30));
      assert.equal(backend.isHealthy(), true, "healthy again once connected");
      const stats = backend.getStats();
      assert.equal(stats.healthy, true);
      assert.ok((stats.reconnects as number) >= 1);
      assert.equal(stats.messagesDropped, 0);
      await logger.shutdown();
    } finally {
      await server.kill();
    }
  });

  test("server killed mid-stream and restarted: nothing lost, duplicates only with the same batch_id", async () => {
    const server = await wsServer({ acks: true, dieAfter: 3 });
    try {
      const logger = getLogger(uniqueName("killed"), {
        backends: [{
          type: "websocket",
          endpoint: server.url,
          acks: true,
          batchSize: 10,
          batchTimeout: 0,
          reconnectInterval: 0.05,
          maxReconnectAttempts: 0,
        }],
      });
      const backend = backendOf(logger);
      for (let chunk = 0; chunk < 20; chunk++) {
        for (let i = 0; i < 10; i++) logger.info(`record ${chunk * 10 + i}`);
        await sleep(2);
        if (chunk === 8) {
          assert.ok(await waitFor(() => !server.running, 5000), "the server died after its third message");
          await sleep(100);
          await server.start();
        }
      }
      await logger.flush();
      assert.deepEqual(delivered(server), range(200));
      const byId = new Map<string, string>();
      let duplicates = 0;
      for (const m of server.messages) {
        const id = batchIdOf(m)!;
        if (byId.has(id)) {
          duplicates++;
          assert.equal(m, byId.get(id), "a re-sent message is identical to the first");
        } else byId.set(id, m);
      }
      assert.ok(duplicates >= 1, "the unacknowledged message was re-sent");
      const stats = backend.getStats();
      assert.equal(stats.messagesWritten, 200);
      assert.equal(stats.messagesDropped, 0);
      assert.ok((stats.reconnects as number) >= 1);
      await logger.shutdown();
    } finally {
      await server.kill();
    }
  });

  test("maxReconnectAttempts exhausted: unhealthy, buffered and later records counted as dropped", async () => {
    const port = await freePort();
    const logger = getLogger(uniqueName("unreachable"), {
      backends: [{
        type: "websocket",
        endpoint: `ws://127.0.0.1:${port}/`,
        reconnectInterval: 0.01,
        maxReconnectAttempts: 2,
      }],
    });
    const backend = backendOf(logger);
    for (let i = 0; i < 5; i++) logger.info(`record ${i}`);
    assert.ok(await waitFor(() => /gave up/.test(String(backend.getStats().lastError)), 10_000));
    assert.equal(backend.isHealthy(), false);
    let stats = backend.getStats();
    assert.equal(stats.messagesDropped, 5);
    assert.equal(stats.healthy, false);
    assert.match(String(stats.lastError), /gave up after 2 reconnect attempts/);
    logger.info("after giving up");
    stats = backend.getStats();
    assert.equal(stats.messagesDropped, 6);
    assert.equal(logger.getStats().messagesDropped, 6);
    await logger.shutdown();
  });

  test("after giving up, the first record past reconnectCooldown starts a fresh connection cycle", async () => {
    const server = await wsServer({ listen: false });
    try {
      const logger = getLogger(uniqueName("recover"), {
        backends: [{
          type: "websocket",
          endpoint: server.url,
          reconnectInterval: 0.01,
          maxReconnectAttempts: 1,
          reconnectCooldown: 0.3,
        }],
      });
      const backend = backendOf(logger);
      for (let i = 0; i < 3; i++) logger.info(`lost ${i}`);
      assert.ok(await waitFor(() => backend.getStats().messagesDropped === 3, 10_000), "gave up on the first three");
      assert.equal(backend.isHealthy(), false);
      await server.start();
      // Within the cool-down: still given up, counted as dropped, no connection attempt.
      logger.info("during the cool-down");
      assert.equal(backend.getStats().messagesDropped, 4);
      await sleep(350);
      assert.equal(server.handshakes.length, 0, "nothing connects while given up");
      for (let i = 0; i < 5; i++) logger.info(`record ${i}`);
      assert.ok(await waitFor(() => delivered(server).length === 5, 10_000));
      assert.deepEqual(delivered(server), range(5));
      assert.ok(await waitFor(() => backend.getStats().messagesWritten === 5, 5000));
      assert.equal(backend.isHealthy(), true);
      assert.equal(backend.getStats().messagesDropped, 4);
      await logger.shutdown();
    } finally {
      await server.kill();
    }
  });

  test("a failing connection is reported once on stderr, without the token", async () => {
    const port = await freePort();
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("down", { backends: [{ type: "websocket", endpoint: "ws://127.0.0.1:${port}/",
  token: "tok-zz-secret", reconnectInterval: 0.01, maxReconnectAttempts: 0, connectTimeout: 1, flushTimeout: 0.1 }] });
logger.info("one");
const backend = logger.getBackends()[0];
const end = Date.now() + 5000;
while (backend.isHealthy() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({ healthy: backend.isHealthy(), failed: backend.getStats().messagesFailed }));
await logger.shutdown();
`,
        { timeoutMs: 20_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout.trim().split("\n").pop()!), { healthy: false, failed: 0 });
      const reports = result.stderr.split("\n").filter((l) => l.includes("websocket backend failed"));
      assert.equal(reports.length, 1, result.stderr);
      assert.ok(!result.stderr.includes("tok-zz-secret"), result.stderr);
    } finally {
      dir.cleanup();
    }
  });

  test("queue overflow while disconnected drops the oldest and counts them", async () => {
    const server = await wsServer({ listen: false });
    try {
      const logger = getLogger(uniqueName("overflow"), {
        backends: [{
          type: "websocket",
          endpoint: server.url,
          maxQueueSize: 10,
          reconnectInterval: 0.05,
          maxReconnectAttempts: 0,
        }],
      });
      const backend = backendOf(logger);
      for (let i = 0; i < 25; i++) logger.info(`record ${i}`);
      assert.equal(backend.getStats().messagesDropped, 15);
      assert.equal(backend.getStats().queued, 10);
      await server.start();
      assert.ok(await waitFor(() => delivered(server).length === 10, 10_000));
      assert.deepEqual(delivered(server), range(10, 15));
      await logger.shutdown();
    } finally {
      await server.kill();
    }
  });

  test("an oversize batch is split under maxMessageSize; a record larger than it is dropped and counted", async () => {
    const server = await wsServer();
    try {
      const logger = getLogger(uniqueName("split"), {
        backends: [{
          type: "websocket",
          endpoint: server.url,
          maxMessageSize: 2048,
          batchSize: 100,
          batchTimeout: 0.02,
        }],
      });
      const pad = "é".repeat(100);
      for (let i = 0; i < 40; i++) {
        logger.info(`record ${i}`, { pad });
        if (i === 20) logger.info("huge", { blob: "x".repeat(5000) });
      }
      await logger.shutdown();
      const sizes = server.messages.map((m) => new TextEncoder().encode(m).length);
      assert.ok(sizes.length >= 5, `40 records of ~400 bytes need several messages, got ${sizes.length}`);
      for (const s of sizes) assert.ok(s <= 2048, `message of ${s} bytes`);
      assert.deepEqual(delivered(server), range(40));
      const stats = backendOf(logger).getStats();
      assert.equal(stats.messagesDropped, 1);
      assert.equal(stats.messagesWritten, 40);
    } finally {
      await server.kill();
    }
  });

  test('messageMode "record" sends one record per message with its batch_id', async () => {
    const server = await wsServer();
    try {
      const logger = getLogger(uniqueName("per_record"), {
        backends: [{ type: "websocket", endpoint: server.url, messageMode: "record" }],
      });
      for (let i = 0; i < 5; i++) logger.info(`record ${i}`, { i });
      await logger.shutdown();
      const all = batches(server);
      assert.equal(all.length, 5);
      for (const [i, b] of all.entries()) {
        assert.equal(b.type, "log");
        assert.ok(b.batch_id);
        assert.equal(b.message, `record ${i}`);
        assert.equal((b as unknown as { logger_name: string }).logger_name, logger.name);
      }
    } finally {
      await server.kill();
    }
  });

  test("token and protocols go into the handshake; secrets stay out of stats", async () => {
    const server = await wsServer();
    try {
      const logger = getLogger(uniqueName("token"), {
        backends: [{
          type: "websocket",
          endpoint: `${server.url}/ingest`,
          token: "s3cr3t-token-value",
          protocols: ["logs.v1"],
          headers: { "X-Api-Key": "header-secret-value" },
          flushTimeout: 0.2,
        }],
      });
      logger.info("hello");
      await logger.flush();
      assert.equal(server.handshakes[0].path, "/ingest?token=s3cr3t-token-value");
      assert.equal(server.handshakes[0].headers["sec-websocket-protocol"], "logs.v1");
      assert.equal(server.handshakes[0].headers["x-api-key"], "header-secret-value");
      await server.kill();
      logger.info("after the server is gone");
      const backend = backendOf(logger);
      assert.ok(await waitFor(() => backend.getStats().lastError !== null, 5000));
      const text = JSON.stringify(backend.getStats());
      assert.ok(!text.includes("s3cr3t-token-value") && !text.includes("header-secret-value"), text);
      await logger.shutdown();
    } finally {
      await server.kill();
    }
  });

  test("an application ping is sent every pingInterval on an idle connection", async () => {
    const server = await wsServer();
    try {
      const logger = getLogger(uniqueName("ping"), {
        backends: [{ type: "websocket", endpoint: server.url, pingInterval: 0.05, idleTimeout: 0 }],
      });
      logger.info("one");
      assert.ok(await waitFor(() => server.messages.some((m) => JSON.parse(m).type === "ping"), 5000));
      await logger.shutdown();
    } finally {
      await server.kill();
    }
  });

  test("invalid endpoints and headers fail at creation without echoing secrets", () => {
    const create = (config: Record<string, unknown>) => () =>
      BackendFactory.createBackend({ type: "websocket", endpoint: "ws://127.0.0.1:9/", ...config });
    assert.throws(
      create({ endpoint: "https://user:hunter22@logs.example.com/ws" }),
      (e: unknown) =>
        e instanceof LoggerConfigurationError && /ws:\/\/ or wss:\/\//.test(e.message) &&
        !JSON.stringify(e.toJSON()).includes("hunter22") && e.suggestions.some((s) => s.startsWith("Use wss://")),
    );
    assert.throws(create({ endpoint: "not a url" }), LoggerConfigurationError);
    assert.throws(
      create({ headers: { Authorization: "Bearer abc\r\nX-Evil: 1" } }),
      (e: unknown) => e instanceof LoggerConfigurationError && !e.message.includes("abc"),
    );
    assert.throws(
      create({ headers: { "Bad Name": "v" } }),
      (e: unknown) =>
        e instanceof LoggerConfigurationError && /not a valid HTTP token/.test(e.message) &&
        /\(websocket\)/.test(e.message),
    );
    assert.ok(create({})() instanceof WebSocketBackend);
    // The same header checks run in config normalization, for the REST backend too.
    assert.throws(
      () => normalizeBackendConfig({ type: "rest_api", endpoint: "http://127.0.0.1:9/", headers: { "X-K": "v\nw" } }),
      (e: unknown) =>
        e instanceof LoggerConfigurationError && /line break/.test(e.message) && !e.message.includes("v\nw"),
    );
  });

  test("handshake header support is known per runtime", () => {
    assert.equal(headersSupportedOn("deno", "deno 2.1.0"), true);
    assert.equal(headersSupportedOn("bun", "bun 1.1.0"), true);
    assert.equal(headersSupportedOn("node", "node 24.0.0"), true);
    assert.equal(headersSupportedOn("node", "node 22.4.0"), true);
    assert.equal(headersSupportedOn("node", "node 20.11.0"), false);
    assert.equal(headersSupportedOn("other", "other"), false);
  });

  test("a script that ends without shutdown still delivers and exits", async () => {
    const server = await wsServer();
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("script", { backends: [{ type: "websocket", endpoint: "${server.url}", idleTimeout: 0.2 }] });
for (let i = 0; i < 3; i++) logger.info("record " + i);
`,
        { timeoutMs: 20_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(delivered(server), range(3));
    } finally {
      dir.cleanup();
      await server.kill();
    }
  });
});
