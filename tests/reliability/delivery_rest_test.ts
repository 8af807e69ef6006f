/**
 * REST delivery under the faults a production user meets: a slow receiver
 * with back-pressure into the spool, a failure right before `shutdown()`,
 * reconfiguration with a rotated token on the same spool, two processes
 * sharing the default spool, Elasticsearch per-item answers, an unreadable
 * spool line during an outage, and 413 answers. Real servers, numbered
 * records, counted by what arrived.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger, type Logger, setGlobalConfig } from "../../mod.ts";
import { freePort, type RecordedRequest, startServer, text } from "../_http_server.ts";
import { runScript, sleep, tempDir, waitFor } from "../_helpers.ts";
import { recordScenario, tally } from "./_record.ts";

const FAST = { retryBaseDelay: 0.02, retryMaxDelay: 0.1, retryJitter: false, timeoutSeconds: 10, shutdownTimeout: 10 };
let counter = 0;

function restLogger(config: Record<string, unknown>, name = `rel_delivery_${++counter}`): Logger {
  return getLogger(name, { level: "debug", backends: [{ type: "rest_api" as string, ...FAST, ...config }] });
}

function seqsOfBody(body: string): number[] {
  return (JSON.parse(body) as { logs: { context: { seq: number } }[] }).logs.map((l) => l.context.seq);
}

/** Sequence numbers of the requests answered 2xx (by `statuses`, default 200), in arrival order. */
function accepted(requests: RecordedRequest[], statuses: number[] = []): number[] {
  return requests.flatMap((r, i) => ((statuses[i] ?? 200) < 300 ? seqsOfBody(text(r)) : []));
}

async function logSeq(logger: Logger, n: number, from = 0, chunk = 50, pauseMs = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    logger.info(`record ${from + i}`, { seq: from + i });
    if ((i + 1) % chunk === 0) await sleep(pauseMs);
  }
}

const stats = (logger: Logger) => logger.getBackends()[0].getStats();
const NOTHING_LOST = "with fallbackToFile nothing is lost: what cannot be sent now is spooled and replayed";

describe("reliability: REST delivery", () => {
  test("REST slow receiver under back-pressure: overflow goes to the spool, nothing dropped", async () => {
    const dir = tempDir();
    let slow = true;
    const server = await startServer(() => (slow ? { delayMs: 300 } : undefined));
    const logger = restLogger({
      endpoint: server.url,
      batchSize: 100,
      batchTimeout: 0.02,
      maxQueueSize: 1000,
      fallbackToFile: true,
      fallbackFile: join(dir.path, "spool.ndjson"),
    });
    try {
      await logSeq(logger, 5000, 0, 500, 10);
      const during = stats(logger);
      slow = false;
      await logger.flush();
      assert.ok(await waitFor(() => accepted(server.requests).length >= 5000, 30_000), "everything arrives");
      const t = tally(5000, accepted(server.requests));
      const s = stats(logger);
      await recordScenario("REST: slow receiver, back-pressure to the spool", t, NOTHING_LOST, () => {
        assert.equal(during.messagesDropped, 0, "nothing dropped while the receiver was slow");
        assert.ok((during.spooled as number) > 0, "overflow went to the spool");
        assert.equal(s.messagesDropped, 0);
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered, "in order");
      }, `${during.spooled} spooled under back-pressure`);
    } finally {
      await logger.shutdown();
      await server.close();
      dir.cleanup();
    }
  });

  for (const retryCount of [3, 0]) {
    test(`REST one failed batch, then shutdown() (retryCount ${retryCount}): the spool is replayed at shutdown`, async () => {
      const dir = tempDir();
      const spool = join(dir.path, "spool.ndjson");
      const statuses: number[] = [];
      const server = await startServer((_r, i) => ({ status: statuses[i] = i < 4 ? 503 : 200 }));
      // The default backoff (1 s doubling, with jitter): while shutdown() delivers, its pauses are kept short.
      const logger = restLogger({
        endpoint: server.url,
        retryCount,
        retryBaseDelay: 1,
        retryMaxDelay: 60,
        retryJitter: true,
        batchSize: 10,
        batchTimeout: 0.2,
        fallbackToFile: true,
        fallbackFile: spool,
      });
      try {
        await logSeq(logger, 50);
        await logger.flush();
        await logger.shutdown();
        const t = tally(50, accepted(server.requests, statuses));
        const s = stats(logger);
        await recordScenario(
          `REST: failure right before shutdown() (retryCount ${retryCount})`,
          t,
          NOTHING_LOST,
          () => {
            assert.equal(t.lost, 0, "shutdown replayed the spool");
            assert.equal(t.duplicates, 0);
            assert.ok(!existsSync(spool), "the spool is gone");
            assert.equal(stats(logger).messagesDropped, 0);
            assert.equal(s.messagesWritten, 50, "the stats count what arrived");
            assert.equal(s.queued, 0);
            assert.ok(t.ordered, "in order");
          },
        );
      } finally {
        await server.close();
        dir.cleanup();
      }
    });
  }

  test("REST one failed batch, then the script just ends: delivered before the process exits", async () => {
    const dir = tempDir();
    const statuses: number[] = [];
    const server = await startServer((_r, i) => ({ status: statuses[i] = i < 4 ? 503 : 200 }));
    try {
      const r = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("ends", { backends: [{ type: "rest_api", endpoint: "${server.url}/in", retryCount: 0,
  retryBaseDelay: 0.02, retryMaxDelay: 0.1, fallbackToFile: true, fallbackFile: "spool.ndjson" }] });
for (let i = 0; i < 50; i++) logger.info("record " + i, { seq: i });
await logger.flush();
`,
        { timeoutMs: 30_000 },
      );
      const t = tally(50, accepted(server.requests, statuses));
      await recordScenario("REST: failure, then the script ends without shutdown()", t, NOTHING_LOST, () => {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(!existsSync(join(dir.path, "spool.ndjson")));
      });
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  for (const how of ["setGlobalConfig", "getLogger"] as const) {
    test(`REST reconfigured with a rotated token on the same spool (${how}): handed to the successor`, async () => {
      const dir = tempDir();
      const spool = join(dir.path, "spool.ndjson");
      // The old credentials are refused slowly (a replay of the old backend is in flight when it is replaced);
      // the new ones get 503 to their first two requests, so the spool still waits when shutdown() comes.
      let fresh = 0;
      const answer = (r: RecordedRequest) => {
        if (r.headers.authorization !== "Bearer new-token") return { status: 503, delayMs: 200 };
        return ++fresh <= 2 ? { status: 503 } : undefined;
      };
      const server = await startServer(answer);
      const endpoint = server.url;
      const config = (token: string) => ({
        level: "debug" as const,
        backends: [{
          type: "rest_api" as const,
          ...FAST,
          endpoint,
          headers: { Authorization: `Bearer ${token}` },
          retryCount: 0,
          fallbackToFile: true,
          fallbackFile: spool,
        }],
      });
      const name = `rel_rotate_${how}`;
      try {
        let logger: Logger;
        if (how === "setGlobalConfig") {
          setGlobalConfig(config("old-token"));
          logger = getLogger(name);
        } else logger = getLogger(name, config("old-token"));
        await logSeq(logger, 100);
        await logger.flush();
        assert.equal(stats(logger).spooled, 100, "the receiver refuses: spooled");
        if (how === "setGlobalConfig") setGlobalConfig(config("new-token"));
        else getLogger(name, config("new-token"));
        logger = getLogger(name);
        // No waiting (the replaced backend is still shutting down): shutdown() of the successor replays the spool.
        for (let i = 100; i < 150; i++) logger.info(`record ${i}`, { seq: i });
        if (how === "setGlobalConfig") {
          // Other loggers may follow the global config too (a logger's shutdown() then only flushes the shared
          // set), so the successor backend itself is shut down, as shutdownAll() does at the end of a process.
          await Promise.all(logger.getBackends().map((b) => b.shutdown()));
        } else await logger.shutdown();
        const ok = server.requests.filter((r) => r.headers.authorization === "Bearer new-token").slice(2);
        const t = tally(150, accepted(ok));
        const s = stats(logger);
        await recordScenario(`REST: reconfigured with a rotated token (${how})`, t, NOTHING_LOST, () => {
          assert.equal(s.messagesWritten, 150, "the successor delivered the spool and its own records");
          assert.equal(s.messagesDropped, 0);
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(t.ordered, "the spool first, then the new records");
          assert.ok(!existsSync(spool));
        });
      } finally {
        if (how === "setGlobalConfig") setGlobalConfig({ backends: [] });
        await server?.close();
        dir.cleanup();
      }
    });
  }

  test("REST two processes sharing the default spool through an outage: each record arrives", async () => {
    const dir = tempDir();
    const port = await freePort();
    const script = (from: number) =>
      `import { getLogger } from "@jinpy/logger";
const logger = getLogger("p${from}", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${port}/in",
  retryCount: 1, retryBaseDelay: 0.05, retryMaxDelay: 0.2, retryJitter: false, batchSize: 50, fallbackToFile: true }] });
for (let i = 0; i < 300; i++) logger.info("record", { seq: ${from} + i });
await logger.flush();
const backend = logger.getBackends()[0];
const end = Date.now() + 20000;
while (backend.getStats().messagesWritten < 300 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
await logger.shutdown();
console.log(JSON.stringify(backend.getStats()));
`;
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const runs = [
        runScript(dir.path, script(0), { timeoutMs: 40_000 }),
        runScript(dir.path, script(300), { timeoutMs: 40_000 }),
      ];
      await sleep(1500);
      server = await startServer(undefined, port);
      const results = await Promise.all(runs);
      const t = tally(600, accepted(server.requests));
      const outs = results.map((r) => JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}"));
      await recordScenario("REST: two processes on one default spool", t, NOTHING_LOST, () => {
        for (const r of results) assert.equal(r.code, 0, r.stderr);
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        for (const o of outs) assert.equal(o.messagesDropped, 0);
        assert.ok(!existsSync(join(dir.path, "logs", "api_fallback.log")));
      });
    } finally {
      await server?.close();
      dir.cleanup();
    }
  });

  test("REST Elasticsearch _bulk: per-item 429/5xx sent again, other refusals counted, a cut answer retried", async () => {
    const seen = new Map<string, number>();
    let first = true;
    const server = await startServer((r, i) => {
      const docs = text(r).trim().split("\n").filter((_, k) => k % 2 === 0).map((l) =>
        JSON.parse(l).create._id as string
      );
      for (const id of docs) seen.set(id, (seen.get(id) ?? 0) + 1);
      if (i === 0) {
        // An answer larger than the read limit: it says nothing per item.
        const items = docs.map(() => ({ create: { status: 429, error: { reason: "x".repeat(20_000) } } }));
        return { body: JSON.stringify({ errors: true, items }) };
      }
      if (first) {
        first = false;
        const items = docs.map((_, k) => ({ create: { status: k === 2 ? 429 : k === 5 ? 400 : k === 7 ? 503 : 201 } }));
        return { body: JSON.stringify({ errors: true, items }) };
      }
      return { body: JSON.stringify({ errors: false, items: docs.map(() => ({ create: { status: 201 } })) }) };
    });
    const logger = restLogger({ endpoint: server.url, payloadFormat: "elasticsearch", batchSize: 100, retryCount: 5 });
    try {
      await logSeq(logger, 100, 0, 100);
      await logger.flush();
      const s = stats(logger);
      const seqs = (r: RecordedRequest) =>
        text(r).trim().split("\n").filter((_, k) => k % 2 === 1).map((l) => JSON.parse(l).context.seq as number);
      // What was taken for good: the second answer's 201 items, then the third request's.
      const taken = [...seqs(server.requests[1] ?? server.requests[0]).filter((_, k) => ![2, 5, 7].includes(k))];
      if (server.requests[2]) taken.push(...seqs(server.requests[2]));
      const t = tally(100, taken);
      await recordScenario(
        "REST: Elasticsearch per-item answers",
        t,
        "429/5xx items retried with their _id; other refusals counted",
        () => {
          assert.equal(server.requests.length, 3, "cut answer → resent; two deferred items → sent once more");
          assert.equal(s.messagesDropped, 1, "the item answered 400");
          assert.equal(s.messagesWritten, 99);
          assert.equal(t.lost, 1);
          assert.equal(t.duplicates, 0);
          assert.deepEqual(seqs(server.requests[2]), [2, 7]);
          const ids = text(server.requests[2]).trim().split("\n").filter((_, k) => k % 2 === 0).map((l) =>
            JSON.parse(l).create._id
          );
          for (const id of ids) assert.equal(seen.get(id), 3, "a deferred item keeps its _id");
        },
        "the item answered 400 is the one counted drop",
      );
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });

  test("REST one unreadable spool line during an outage: counted once", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "spool.ndjson");
    const rec = (seq: number) =>
      JSON.stringify({ timestamp: "2026-01-01T00:00:00.000Z", level: "INFO", message: "r", context: { seq } });
    writeFileSync(spool, [rec(0), "garbage {", rec(1)].join("\n") + "\n");
    const port = await freePort();
    const logger = restLogger({
      endpoint: `http://127.0.0.1:${port}/in`,
      retryCount: 0,
      fallbackToFile: true,
      fallbackFile: spool,
    });
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      await sleep(800);
      const failedAttempts = stats(logger).messagesDropped;
      server = await startServer(undefined, port);
      await logSeq(logger, 3, 2);
      await logger.flush();
      const s = server;
      await waitFor(() => accepted(s.requests).length >= 5);
      const t = tally(5, accepted(server.requests));
      await recordScenario(
        "REST: unreadable spool line during an outage",
        t,
        "an unreadable line is counted once",
        () => {
          assert.equal(failedAttempts, 1, "counted once while replays failed");
          assert.equal(stats(logger).messagesDropped, 1);
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
        },
      );
    } finally {
      await logger.shutdown();
      await server?.close();
      dir.cleanup();
    }
  });

  test("REST 413 Payload Too Large: split down to single records, only the oversize one dropped", async () => {
    const statuses: number[] = [];
    const server = await startServer((r, i) => ({ status: statuses[i] = r.body.length > 4000 ? 413 : 200 }));
    const logger = restLogger({ endpoint: server.url, batchSize: 50, retryCount: 0 });
    try {
      for (let i = 0; i < 40; i++) {
        logger.info(`record ${i}`, { seq: i, pad: "p".repeat(200) });
        if (i === 20) logger.info("huge", { seq: 1000, pad: "h".repeat(5000) });
      }
      await logger.flush();
      const t = tally(40, accepted(server.requests, statuses));
      const s = stats(logger);
      await recordScenario(
        "REST: 413 splits the batch",
        t,
        "only a single record over the receiver's limit is dropped (counted)",
        () => {
          assert.ok(statuses.includes(413));
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(t.ordered);
          assert.equal(s.messagesDropped, 1);
          assert.equal(s.messagesWritten, 40);
        },
        "the one oversize record is the counted drop",
      );
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });
});
