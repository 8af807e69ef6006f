/**
 * REST bodies and answers: compression before encryption, the PBKDF2 cost
 * bound of `decryptPayload`, an OTLP `partial_success` counted and not
 * retried, and an endless answer read only up to its limit.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { decryptPayload, getLogger, type Logger, LoggerSecurityError } from "../mod.ts";
import { startServer, text } from "./_http_server.ts";

let counter = 0;
function restLogger(config: Record<string, unknown>): Logger {
  return getLogger(`rest_body_${++counter}`, {
    backends: [{ type: "rest_api" as string, retryBaseDelay: 0.01, retryJitter: false, shutdownTimeout: 5, ...config }],
  });
}

describe("RestApiBackend bodies and answers", () => {
  test("compression with encryption: gzip first, then encrypted; decryptPayload returns the text", async () => {
    const server = await startServer();
    const key = "a passphrase shared with the receiver";
    try {
      const logger = restLogger({ endpoint: server.url, compression: true, encryptPayload: true, encryptionKey: key });
      for (let i = 0; i < 50; i++) logger.info(`m${i}`, { padding: "x".repeat(200) });
      await logger.flush();
      await logger.shutdown();
      const r = server.requests[0];
      assert.equal(r.headers["content-encoding"], undefined, "the body is an envelope, not gzip");
      const envelope = JSON.parse(text(r));
      assert.equal(envelope.zip, "gzip");
      const ciphertext = Uint8Array.from(atob(envelope.ciphertext), (c) => c.charCodeAt(0));
      const plain = JSON.parse(await decryptPayload(text(r), key));
      assert.equal(plain.logs.length, 50);
      assert.ok(ciphertext.length < JSON.stringify(plain).length / 4, "compressed before encryption");
      assert.throws(() => gunzipSync(ciphertext), "encrypted bytes are not a gzip stream");
    } finally {
      await server.close();
    }
  });

  test("decryptPayload refuses an iteration count over twice the default before deriving a key", async () => {
    const server = await startServer();
    const key = "k3y-for-the-cost-bound";
    try {
      const logger = restLogger({ endpoint: server.url, encryptPayload: true, encryptionKey: key });
      logger.info("one");
      await logger.shutdown();
      const envelope = JSON.parse(text(server.requests[0]));
      for (const iter of [envelope.iter * 2 + 1, 10_000_000]) {
        await assert.rejects(
          decryptPayload(JSON.stringify({ ...envelope, iter }), key),
          (e: unknown) => e instanceof LoggerSecurityError && /iteration count out of range/.test(e.message),
        );
      }
    } finally {
      await server.close();
    }
  });

  test("an OTLP partial_success is counted as dropped and not retried", async () => {
    const server = await startServer(() => ({
      body: JSON.stringify({ partialSuccess: { rejectedLogRecords: "2", errorMessage: "two too old" } }),
    }));
    try {
      const logger = restLogger({ endpoint: server.url, payloadFormat: "otlp", retryCount: 3 });
      for (let i = 0; i < 5; i++) logger.info(`m${i}`);
      await logger.flush();
      const s = logger.getBackends()[0].getStats();
      await logger.shutdown();
      assert.equal(server.requests.length, 1, "not retried");
      assert.equal(s.messagesDropped, 2);
      assert.equal(s.messagesWritten, 3);
      assert.match(String(s.lastError), /two too old/);
    } finally {
      await server.close();
    }
  });

  test("an endless 200 answer is read only up to its limit, then the request ends", async () => {
    let written = 0;
    let closed = false;
    const chunk = "x".repeat(65536);
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      let gone = false;
      const pump = () => {
        // At most 1 GiB; the client stops reading long before.
        while (!closed && !gone && written < 1024 ** 3) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => (gone = true));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const logger = restLogger({ endpoint: `http://127.0.0.1:${port}/_bulk`, payloadFormat: "elasticsearch" });
      logger.info("one");
      await logger.flush();
      const s = logger.getBackends()[0].getStats();
      await logger.shutdown();
      assert.ok(written < 256 * 1024 ** 2, `the answer was not read whole (${written} bytes sent)`);
      assert.ok((s.retries as number) >= 1, "an answer cut at the limit says nothing per item: sent again");
    } finally {
      closed = true;
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
