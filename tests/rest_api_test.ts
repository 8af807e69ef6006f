import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  BackendFactory,
  decryptPayload,
  getLogger,
  type LevelInput,
  type Logger,
  LoggerConfigurationError,
  LoggerSecurityError,
  LogLevel,
  RestApiBackend,
  WebSocketBackend,
} from "../mod.ts";
import { freePort, type RecordedRequest, startServer, text } from "./_http_server.ts";
import { ROOT, runCommand, runScript, runtime, tempDir, waitFor, WIRE_KEYS } from "./_helpers.ts";

/** Small, deterministic retry delays so failures resolve in milliseconds. */
const FAST = { retryBaseDelay: 0.01, retryMaxDelay: 0.05, retryJitter: false, timeoutSeconds: 5, shutdownTimeout: 5 };

let counter = 0;
function restLogger(config: Record<string, unknown>, level: LevelInput = "debug"): Logger {
  return getLogger(`rest_test_${++counter}`, { level, backends: [{ type: "rest_api" as string, ...FAST, ...config }] });
}

function stats(logger: Logger): Record<string, unknown> {
  return logger.getBackends()[0].getStats();
}

/** Messages of every record received in `jinpy` bodies, in arrival order. */
function jinpyMessages(requests: RecordedRequest[]): string[] {
  return requests.flatMap((r) => (JSON.parse(text(r)).logs as { message: string }[]).map((l) => l.message));
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m${from + i}`);

describe("RestApiBackend", () => {
  test("is registered as rest_api", () => {
    assert.ok(BackendFactory.getRegisteredTypes().includes("rest_api"));
    const b = BackendFactory.createBackend({ type: "rest_api", endpoint: "http://127.0.0.1:9/x" });
    assert.ok(b instanceof RestApiBackend);
    return b.shutdown();
  });

  test("seed example: headers, 120 records in 3 batches of at most 50, in order", async () => {
    const server = await startServer();
    try {
      const logger = getLogger("api_app", {
        backends: [{
          type: "rest_api",
          level: LogLevel.ERROR,
          endpoint: `${server.url}/api/v1/logs`,
          headers: { Authorization: "Bearer seed-token-1", "Content-Type": "application/json" },
          timeout_seconds: 30,
          retry_count: 3,
          batch_size: 50,
          batch_timeout: 10.0,
        }],
      });
      logger.info("below the backend's level");
      for (let i = 0; i < 120; i++) logger.error(`m${i}`, { i });
      await logger.flush();
      assert.equal(server.requests.length, 3);
      for (const r of server.requests) {
        assert.equal(r.method, "POST");
        assert.equal(r.path, "/api/v1/logs");
        assert.equal(r.headers["authorization"], "Bearer seed-token-1");
        assert.equal(r.headers["content-type"], "application/json");
        assert.match(r.headers["idempotency-key"], /^[0-9a-f-]{36}$/);
        const body = JSON.parse(text(r));
        assert.deepEqual(Object.keys(body), ["logs", "timestamp", "source", "count"]);
        assert.equal(body.source, "api_app");
        assert.equal(body.count, body.logs.length);
        assert.ok(body.logs.length <= 50);
        assert.deepEqual(Object.keys(body.logs[0]), WIRE_KEYS);
      }
      assert.deepEqual(server.requests.map((r) => JSON.parse(text(r)).count), [50, 50, 20]);
      assert.deepEqual(jinpyMessages(server.requests), range(120));
      assert.equal(new Set(server.requests.map((r) => r.headers["idempotency-key"])).size, 3);
      const s = stats(logger);
      assert.equal(s.batchesSent, 3);
      assert.equal(s.messagesWritten, 120);
      assert.equal(s.messagesDropped, 0);
      await logger.shutdown();
      assert.ok(!JSON.stringify(s).includes("seed-token-1"));
    } finally {
      await server.close();
    }
  });

  test("a partial batch is sent after batchTimeout", async () => {
    const server = await startServer();
    try {
      const logger = restLogger({ endpoint: server.url, batchSize: 100, batchTimeout: 0.1 });
      const started = Date.now();
      logger.info("m0");
      assert.ok(await waitFor(() => server.requests.length === 1, 5000));
      assert.ok(Date.now() - started >= 80);
      assert.deepEqual(jinpyMessages(server.requests), ["m0"]);
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("concurrency: 3 requests in flight at once, every record delivered once", async () => {
    const server = await startServer(() => ({ delayMs: 200 }));
    try {
      const logger = restLogger({ endpoint: server.url, concurrency: 3, batchSize: 50 });
      const started = Date.now();
      for (let i = 0; i < 300; i++) logger.info(`m${i}`);
      await logger.flush();
      const elapsed = Date.now() - started;
      assert.equal(server.requests.length, 6);
      assert.deepEqual(jinpyMessages(server.requests).sort(), range(300).sort());
      assert.ok(elapsed < 1000, `6 requests of 200 ms took ${elapsed} ms`);
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("503 twice then 200: retried with the same Idempotency-Key, delivered once", async () => {
    const server = await startServer((_r, i) => (i < 2 ? { status: 503 } : undefined));
    try {
      const logger = restLogger({ endpoint: server.url, retryCount: 3 });
      for (let i = 0; i < 3; i++) logger.info(`m${i}`);
      await logger.flush();
      assert.equal(server.requests.length, 3);
      const keys = server.requests.map((r) => r.headers["idempotency-key"]);
      assert.equal(new Set(keys).size, 1, "one key across the retries of a batch");
      assert.deepEqual(server.requests.map(text), Array(3).fill(text(server.requests[0])), "the same body each time");
      const s = stats(logger);
      assert.equal(s.retries, 2);
      assert.equal(s.messagesWritten, 3);
      assert.equal(s.batchesSent, 1);
      assert.equal(s.healthy, true);
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("429 with Retry-After waits as asked", async () => {
    const server = await startServer((
      _r,
      i,
    ) => (i === 0 ? { status: 429, headers: { "Retry-After": "1" } } : undefined));
    try {
      const logger = restLogger({ endpoint: server.url, retryMaxDelay: 5 });
      logger.info("m0");
      await logger.flush();
      assert.equal(server.requests.length, 2);
      const gap = server.requests[1].at - server.requests[0].at;
      assert.ok(gap >= 900, `second attempt ${gap} ms after the first`);
      assert.equal(stats(logger).retries, 1);
      assert.equal(stats(logger).messagesWritten, 1);
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("a 400 is not retried; its records are counted dropped and the backend stays usable", async () => {
    const server = await startServer((_r, i) => (i === 0 ? { status: 400, body: "bad" } : undefined));
    try {
      const logger = restLogger({ endpoint: server.url, retryCount: 3 });
      logger.info("m0");
      logger.info("m1");
      await logger.flush();
      assert.equal(server.requests.length, 1);
      let s = stats(logger);
      assert.equal(s.retries, 0);
      assert.equal(s.messagesDropped, 2);
      assert.equal(s.messagesFailed, 0, "counted once, as dropped");
      assert.equal(s.healthy, false);
      assert.match(String(s.lastError), /HTTP 400/);
      logger.info("m2");
      await logger.flush();
      s = stats(logger);
      assert.equal(server.requests.length, 2);
      assert.equal(s.messagesWritten, 1);
      assert.equal(s.healthy, true);
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("a request that times out is retried", async () => {
    const server = await startServer((_r, i) => (i === 0 ? { delayMs: 3000 } : undefined));
    try {
      const logger = restLogger({ endpoint: server.url, timeoutSeconds: 0.2, retryCount: 2 });
      const started = Date.now();
      logger.info("m0");
      await logger.flush();
      assert.ok(Date.now() - started < 2500, "the timeout cut the first attempt short");
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[0].headers["idempotency-key"], server.requests[1].headers["idempotency-key"]);
      const s = stats(logger);
      assert.equal(s.retries, 1);
      assert.equal(s.messagesWritten, 1);
      assert.match(String(s.lastError), /timed out/);
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("a dead endpoint spools to fallbackFile; the spool is replayed first, in order, once it answers", async () => {
    const dir = tempDir();
    const port = await freePort();
    const spool = join(dir.path, "spool", "api_fallback.log");
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const logger = restLogger({
        endpoint: `http://127.0.0.1:${port}/ingest`,
        retryCount: 1,
        batchSize: 4,
        fallbackToFile: true,
        fallbackFile: spool,
      });
      for (let i = 0; i < 10; i++) logger.info(`m${i}`);
      await logger.flush();
      const lines = readFileSync(spool, "utf8").trim().split("\n").map((l) => JSON.parse(l).message);
      assert.deepEqual(lines, range(10));
      assert.equal(stats(logger).spooled, 10);
      assert.equal(stats(logger).messagesDropped, 0);

      server = await startServer(undefined, port);
      const s = server;
      logger.info("m10");
      assert.ok(await waitFor(() => jinpyMessages(s.requests).length === 11, 10_000), "replayed");
      await logger.flush();
      assert.deepEqual(jinpyMessages(s.requests), range(11));
      assert.ok(await waitFor(() => !existsSync(spool), 2000), "the spool is removed once replayed");
      assert.equal(stats(logger).replayed, 11);
      assert.equal(stats(logger).healthy, true);
      await logger.shutdown();
    } finally {
      await server?.close();
      dir.cleanup();
    }
  });

  test("a spool left by an earlier run is replayed before new records", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "left.ndjson");
    const server = await startServer();
    try {
      const old = range(3).map((m) =>
        JSON.stringify({ timestamp: "2026-01-01T00:00:00.000Z", level: "info", message: m })
      );
      // The last line was cut short by a crash: it is kept as it is, and what follows stays separate.
      const { writeFileSync } = await import("node:fs");
      writeFileSync(spool, old.join("\n"));
      const logger = restLogger({ endpoint: server.url, fallbackToFile: true, fallbackFile: spool });
      logger.info("m3");
      await logger.flush();
      assert.ok(await waitFor(() => jinpyMessages(server.requests).length === 4, 5000));
      assert.deepEqual(jinpyMessages(server.requests), range(4));
      assert.ok(await waitFor(() => !existsSync(spool), 2000));
      await logger.shutdown();
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("a spool left by an earlier run is replayed at start, before any new record", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "left.ndjson");
    const server = await startServer();
    try {
      const old = range(5).map((m) =>
        JSON.stringify({ timestamp: "2026-01-01T00:00:00.000Z", level: "info", message: m })
      );
      const { writeFileSync } = await import("node:fs");
      writeFileSync(spool, old.join("\n") + "\n");
      const logger = restLogger({ endpoint: server.url, fallbackToFile: true, fallbackFile: spool });
      assert.ok(await waitFor(() => jinpyMessages(server.requests).length === 5, 5000));
      assert.deepEqual(jinpyMessages(server.requests), range(5));
      assert.ok(await waitFor(() => !existsSync(spool), 2000));
      await logger.shutdown();
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("shutdown with the endpoint down leaves every undelivered record in the spool", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "api_fallback.log");
    try {
      const logger = restLogger({
        endpoint: `http://127.0.0.1:${await freePort()}/`,
        retryCount: 2,
        batchSize: 10,
        batchTimeout: 60,
        fallbackToFile: true,
        fallbackFile: spool,
      });
      for (let i = 0; i < 35; i++) logger.info(`m${i}`);
      await logger.shutdown();
      const lines = readFileSync(spool, "utf8").trim().split("\n").map((l) => JSON.parse(l).message);
      assert.deepEqual(lines, range(35));
      const s = stats(logger);
      assert.equal(s.spooled, 35);
      assert.equal(s.messagesDropped, 0);
      assert.equal(s.messagesWritten, 0);
      logger.info("after shutdown");
      assert.equal(logger.getStats().messagesDropped, 1);
    } finally {
      dir.cleanup();
    }
  });

  test("without a spool, records that exhaust their retries are counted dropped", async () => {
    const logger = restLogger({ endpoint: `http://127.0.0.1:${await freePort()}/`, retryCount: 1 });
    for (let i = 0; i < 5; i++) logger.info(`m${i}`);
    await logger.shutdown();
    const s = stats(logger);
    assert.equal(s.messagesDropped, 5);
    assert.equal(s.retries, 1);
    assert.equal(s.healthy, false);
    assert.match(String(s.lastError), /failed/);
  });

  test("queue overflow drops the oldest records and counts them", async () => {
    const server = await startServer();
    try {
      const logger = restLogger({ endpoint: server.url, maxQueueSize: 10, batchSize: 100, batchTimeout: 60 });
      for (let i = 0; i < 25; i++) logger.info(`m${i}`);
      assert.equal(stats(logger).messagesDropped, 15, "counted on the logging path");
      await logger.flush();
      assert.deepEqual(jinpyMessages(server.requests), range(10, 15));
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("queue overflow goes to the spool and everything arrives in order", async () => {
    const dir = tempDir();
    const server = await startServer();
    try {
      const logger = restLogger({
        endpoint: server.url,
        maxQueueSize: 10,
        batchSize: 100,
        batchTimeout: 60,
        fallbackToFile: true,
        fallbackFile: join(dir.path, "spool.log"),
      });
      // Bursts of 15 with a turn of the event loop in between: overflow is spooled off the logging path.
      for (let i = 0; i < 45; i++) {
        logger.info(`m${i}`);
        if (i % 15 === 14) await new Promise((r) => setTimeout(r, 0));
      }
      await logger.flush();
      assert.ok(await waitFor(() => jinpyMessages(server.requests).length === 45, 5000));
      assert.deepEqual(jinpyMessages(server.requests), range(45));
      const s = stats(logger);
      assert.equal(s.messagesDropped, 0);
      assert.ok((s.spooled as number) >= 15);
      await logger.shutdown();
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("encrypted bodies are unreadable on the wire, decrypted by decryptPayload, tampering rejected", async () => {
    const server = await startServer();
    const key = "a passphrase shared with the receiver";
    try {
      const logger = restLogger({ endpoint: server.url, encryptPayload: true, encryptionKey: key });
      logger.info("top secret message", { card: "4111" });
      logger.info("second");
      await logger.flush();
      const body = text(server.requests[0]);
      assert.ok(!body.includes("top secret"));
      assert.ok(!body.includes("4111"));
      const envelope = JSON.parse(body);
      assert.equal(envelope.alg, "AES-256-GCM");
      assert.equal(envelope.v, 1);
      const plain = JSON.parse(await decryptPayload(body, key));
      assert.deepEqual(plain.logs.map((l: { message: string }) => l.message), ["top secret message", "second"]);
      await assert.rejects(decryptPayload(body, "another passphrase"), LoggerSecurityError);
      const ct = Uint8Array.from(atob(envelope.ciphertext), (c) => c.charCodeAt(0));
      ct[3] ^= 1;
      const flipped = { ...envelope, ciphertext: btoa(String.fromCharCode(...ct)) };
      await assert.rejects(decryptPayload(JSON.stringify(flipped), key), LoggerSecurityError);
      await assert.rejects(
        decryptPayload(JSON.stringify({ ...envelope, iter: envelope.iter + 1 }), key),
        LoggerSecurityError,
      );
      await assert.rejects(decryptPayload("not json", key), LoggerSecurityError);
      const backend = logger.getBackends()[0];
      for (
        const view of [JSON.stringify(backend), JSON.stringify(backend.getStats()), JSON.stringify(logger.getStats())]
      ) {
        assert.ok(!view.includes(key), "the key never shows");
      }
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("compression: true sends a gzip body the server decodes", async () => {
    const server = await startServer();
    try {
      const logger = restLogger({ endpoint: server.url, compression: true, payloadFormat: "ndjson" });
      for (let i = 0; i < 50; i++) logger.info(`m${i}`, { padding: "x".repeat(100) });
      await logger.flush();
      const r = server.requests[0];
      assert.equal(r.headers["content-encoding"], "gzip");
      assert.equal(r.headers["content-type"], "application/x-ndjson");
      const decoded = new TextDecoder().decode(gunzipSync(r.body));
      assert.ok(r.body.length < decoded.length / 4, "compressed");
      assert.deepEqual(decoded.trim().split("\n").map((l) => JSON.parse(l).message), range(50));
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("the Python edition's cloud config delivers to base_url joined with endpoint, with its bearer key", async () => {
    const server = await startServer();
    try {
      const fixture = JSON.parse(readFileSync(new URL("./fixtures/python_cloud_config.json", import.meta.url), "utf8"));
      const cloud = fixture.cloud;
      cloud.backends[0].base_url = `${server.url}/api/v1/logs`;
      const logger = getLogger("cloud_from_python", cloud);
      logger.debug("below default_level");
      logger.info("hello from the TS edition", { user: "alice" });
      await logger.flush();
      assert.equal(server.requests.length, 1);
      const r = server.requests[0];
      assert.equal(r.path, new URL(cloud.backends[0].endpoint, cloud.backends[0].base_url).pathname);
      assert.equal(r.path, "/logs");
      assert.equal(r.method, "POST");
      assert.equal(r.headers["authorization"], "Bearer k-123");
      const body = JSON.parse(text(r));
      assert.equal(body.count, 1);
      assert.deepEqual(body.logs[0].context, { user: "alice" });
      assert.deepEqual(Object.keys(body.logs[0]), Object.keys(fixture.python_record));
      const s = stats(logger);
      assert.ok(!JSON.stringify(s).includes("k-123"));
      assert.equal(logger.getBackends()[0].name, "cloud_api");
      await logger.shutdown();
    } finally {
      await server.close();
    }
  });

  test("JSON of REST and WebSocket backends shows the endpoint without its password or query tokens", async () => {
    const rest = new RestApiBackend({
      type: "rest_api",
      endpoint: "http://user:url-pass-S3CR3T1@127.0.0.1:9/in?api_key=query-S3CR3T2&region=eu&sig=query-S3CR3T3",
    });
    const ws = new WebSocketBackend({
      type: "websocket",
      endpoint: "ws://user:ws-pass-S3CR3T4@127.0.0.1:9/ws?token=ws-query-S3CR3T5&stream=app",
    });
    try {
      for (
        const [backend, endpoint] of [
          [rest, "http://127.0.0.1:9/in?api_key=[REDACTED]&region=eu&sig=[REDACTED]"],
          [ws, "ws://127.0.0.1:9/ws?token=[REDACTED]&stream=app"],
        ] as const
      ) {
        const json = JSON.stringify(backend);
        assert.ok(!/S3CR3T/.test(json), json);
        assert.equal(JSON.parse(json).config.endpoint, endpoint);
      }
    } finally {
      await Promise.all([rest.shutdown(), ws.shutdown()]);
    }
  });

  test("invalid settings fail at creation with LoggerConfigurationError", () => {
    const bad: Record<string, unknown>[] = [
      { endpoint: "ftp://127.0.0.1/x" },
      { endpoint: "not a url" },
      { endpoint: "https://127.0.0.1:1/", encryptPayload: true },
      { endpoint: "https://127.0.0.1:1/", caCert: "/nonexistent/ca.pem" },
      { endpoint: "https://127.0.0.1:1/", clientKey: "/nonexistent/client.key" },
    ];
    for (const c of bad) {
      assert.throws(
        () => BackendFactory.createBackend({ type: "rest_api", ...c }),
        LoggerConfigurationError,
        JSON.stringify(c),
      );
    }
  });

  test(
    "on Deno without net permission, creation fails with a clear LoggerConfigurationError",
    { skip: runtime !== "deno" ? "permissions exist only on Deno" : false },
    async () => {
      const dir = tempDir();
      try {
        const r = await runScript(
          dir.path,
          `import { getLogger, LoggerConfigurationError } from "@jinpy/logger";
try {
  getLogger("x", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:9/logs" }] });
} catch (e) {
  console.log(\`\${e instanceof LoggerConfigurationError} \${e.message}\`);
}`,
          { denoFlags: ["--allow-read"] },
        );
        assert.match(r.stdout, /^true .*--allow-net=127\.0\.0\.1:9/, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      } finally {
        dir.cleanup();
      }
    },
  );

  test("an encryption key never appears in a configuration error", () => {
    try {
      BackendFactory.createBackend({ type: "rest_api", endpoint: "http://127.0.0.1:1/", encryptionKey: 12345678 });
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof LoggerConfigurationError);
      assert.ok(!e.message.includes("12345678"));
    }
  });

  test("a script that logs and ends without shutdown still delivers, then exits", async () => {
    const server = await startServer();
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("script", { backends: [{ type: "rest_api", endpoint: "${server.url}/in", batchTimeout: 30 }] });
for (let i = 0; i < 3; i++) logger.info("m" + i);
`,
        { timeoutMs: 20_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(jinpyMessages(server.requests), range(3));
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test(
    "examples/rest_api.ts sends 120 errors in 3 requests to its collector",
    { skip: runtime !== "deno" ? "the examples are Deno scripts (their collector runs on Deno.serve)" : false },
    async () => {
      const exec = (globalThis as unknown as { process: { execPath: string } }).process.execPath;
      const r = await runCommand([exec, "run", "-A", `${ROOT}/examples/rest_api.ts`], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sent 120 records in 3 requests/);
      assert.match(r.stdout, /collector received 120 records; first: This error will be sent to the REST API/);
    },
  );

  test("shutdown with a dead endpoint is bounded and lets the process exit", async () => {
    const dir = tempDir();
    try {
      const port = await freePort();
      const started = Date.now();
      const result = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("script", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${port}/", retryCount: 50,
  retryBaseDelay: 0.05, retryMaxDelay: 0.05, shutdownTimeout: 0.5 }] });
logger.info("lost");
await logger.shutdown();
console.log(JSON.stringify(logger.getBackends()[0].getStats()));
`,
        { timeoutMs: 20_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      const s = JSON.parse(result.stdout.trim().split("\n").pop()!);
      assert.equal(s.messagesDropped, 1);
      assert.ok(Date.now() - started < 15_000);
    } finally {
      dir.cleanup();
    }
  });
});
