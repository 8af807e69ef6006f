/**
 * REST receiver faults: down at start, 5xx for a while, 429 with
 * Retry-After, slower than the timeout, a reset in the middle of the body,
 * and back only after `shutdown()` (spool, then replay on the next start).
 * Each scenario numbers its records and counts what the receiver accepted.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger, type Logger } from "../../mod.ts";
import { freePort, type RecordedRequest, startServer, text } from "../_http_server.ts";
import { runScript, sleep, tempDir, waitFor } from "../_helpers.ts";
import { rawServer } from "./_raw_server.ts";
import { within } from "./_wait.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";

const FAST = { retryBaseDelay: 0.02, retryMaxDelay: 0.1, retryJitter: false, timeoutSeconds: 5, shutdownTimeout: 5 };
let counter = 0;

function restLogger(config: Record<string, unknown>): Logger {
  return getLogger(`rel_rest_${++counter}`, {
    level: "debug",
    backends: [{ type: "rest_api" as string, ...FAST, ...config }],
  });
}

/** Sequence numbers in a `jinpy` body, in order. */
function seqsOfBody(body: string): number[] {
  const logs = (JSON.parse(body) as { logs: { context: { seq: number } }[] }).logs;
  return logs.map((l) => l.context.seq);
}

/** Sequence numbers of the requests answered 2xx, in arrival order. */
function acceptedSeqs(requests: RecordedRequest[], statuses: number[]): number[] {
  return requests.flatMap((r, i) => (statuses[i] ?? 200) < 300 ? seqsOfBody(text(r)) : []);
}

/** Logs `n` records numbered from `from`, yielding to the event loop every `chunk`. */
async function logSeq(logger: Logger, n: number, from = 0, chunk = 50): Promise<void> {
  for (let i = 0; i < n; i++) {
    logger.info(`record ${from + i}`, { seq: from + i });
    if ((i + 1) % chunk === 0) await sleep(1);
  }
}

/** `flush()`, but never waiting longer than `ms`. */
async function flushWithin(logger: Logger, ms: number): Promise<void> {
  await within(logger.flush(), ms);
}

const AT_LEAST_ONCE = "nothing lost while retries last; no duplicates unless an attempt reached the receiver";

describe("reliability: REST receiver faults", () => {
  test("REST receiver down at start, up later: every record delivered once, in order", async () => {
    const port = await freePort();
    const logger = restLogger({
      endpoint: `http://127.0.0.1:${port}/in`,
      batchSize: 50,
      batchTimeout: 0.05,
      retryCount: 200,
    });
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      await logSeq(logger, 500);
      await sleep(300);
      server = await startServer(undefined, port);
      await flushWithin(logger, 15_000);
      const t = tally(500, acceptedSeqs(server.requests, []));
      const s = logger.getBackends()[0].getStats();
      await recordScenario("REST: receiver down at start", t, AT_LEAST_ONCE, () => {
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered, "in order");
        assert.ok((s.retries as number) > 0, "it retried");
        assert.equal(s.messagesWritten, 500);
      }, `retries ${s.retries}`);
    } finally {
      await logger.shutdown();
      await server?.close();
    }
  });

  test("REST receiver answering 503 for a while: every record delivered once, in order", async () => {
    const statuses: number[] = [];
    let until = Date.now() + 400;
    const server = await startServer((_r, i) => {
      const status = Date.now() < until ? 503 : 200;
      statuses[i] = status;
      return { status };
    });
    const logger = restLogger({ endpoint: server.url, batchSize: 50, batchTimeout: 0.02, retryCount: 200 });
    try {
      until = Date.now() + 400;
      await logSeq(logger, 500, 0, 25);
      await flushWithin(logger, 15_000);
      const t = tally(500, acceptedSeqs(server.requests, statuses));
      const refused = statuses.filter((s) => s === 503).length;
      await recordScenario("REST: 5xx for a while", t, AT_LEAST_ONCE, () => {
        assert.ok(refused > 0, "some requests were refused");
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered);
      }, `${refused} requests answered 503`);
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });

  test("REST receiver answering 429 with Retry-After: waits as asked, delivers once", async () => {
    const statuses: number[] = [];
    const server = await startServer((_r, i) => {
      const status = i < 2 ? 429 : 200;
      statuses[i] = status;
      return status === 429 ? { status, headers: { "Retry-After": "1" } } : {};
    });
    const logger = restLogger({
      endpoint: server.url,
      batchSize: 100,
      batchTimeout: 0.02,
      retryCount: 5,
      retryMaxDelay: 2,
    });
    try {
      await logSeq(logger, 200);
      await flushWithin(logger, 15_000);
      const t = tally(200, acceptedSeqs(server.requests, statuses));
      const gap = server.requests.length > 1 ? server.requests[1].at - server.requests[0].at : 0;
      await recordScenario("REST: 429 with Retry-After", t, AT_LEAST_ONCE, () => {
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered);
        assert.ok(gap >= 900, `waited ${gap} ms after a Retry-After of 1 s`);
      }, `first retry after ${gap} ms`);
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });

  test("REST receiver slower than the timeout: retried, duplicates only with the same Idempotency-Key", async () => {
    const server = await startServer((_r, i) => i < 2 ? { delayMs: 1000 } : {});
    const logger = restLogger({
      endpoint: server.url,
      batchSize: 100,
      batchTimeout: 0.02,
      retryCount: 10,
      timeoutSeconds: 0.3,
    });
    try {
      await logSeq(logger, 200);
      await flushWithin(logger, 15_000);
      // The receiver processed the slow requests too: every body it got counts.
      const all = acceptedSeqs(server.requests, []);
      const t = tally(200, all);
      const byKey = new Map<string, string>();
      let sameKey = true;
      for (const r of server.requests) {
        const key = r.headers["idempotency-key"];
        const body = text(r);
        if (byKey.has(key) && byKey.get(key) !== body) sameKey = false;
        byKey.set(key, body);
      }
      const deduped = tally(200, [...byKey.values()].flatMap(seqsOfBody));
      await recordScenario(
        "REST: slower than the timeout",
        t,
        "at least once: a timed-out request the receiver did process is sent again with the same Idempotency-Key; deduplicating on it leaves no duplicate",
        () => {
          assert.equal(t.lost, 0);
          assert.ok(t.duplicates > 0, "the timed-out attempt reached the receiver and was re-sent");
          assert.ok(sameKey, "a re-sent body has the key of its first attempt");
          assert.equal(deduped.duplicates, 0);
          assert.equal(deduped.lost, 0);
        },
        `${server.requests.length} requests, ${byKey.size} distinct Idempotency-Keys`,
      );
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });

  test("REST connection reset mid-body: retried, every record delivered once", async () => {
    const server = await rawServer((i) => i < 3 ? "reset" : "serve", { resetAfterBytes: 1024 });
    const logger = restLogger({
      endpoint: `http://127.0.0.1:${server.port}/in`,
      batchSize: 100,
      batchTimeout: 0.02,
      retryCount: 20,
    });
    try {
      const pad = "x".repeat(500);
      for (let i = 0; i < 300; i++) logger.info(`record ${i}`, { seq: i, pad });
      await flushWithin(logger, 15_000);
      const t = tally(300, server.bodies.flatMap(seqsOfBody));
      await recordScenario("REST: connection reset mid-body", t, AT_LEAST_ONCE, () => {
        assert.ok(server.resets >= 1, "connections were reset");
        assert.equal(t.lost, 0);
        assert.equal(t.duplicates, 0);
        assert.ok(t.ordered);
      }, `${server.resets} resets`);
    } finally {
      await logger.shutdown();
      await server.close();
    }
  });

  test("REST receiver back only after shutdown(): spooled by one process, replayed first by the next", async () => {
    const dir = tempDir();
    const port = await freePort();
    const spool = join(dir.path, "spool", "fallback.ndjson");
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const first = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
const logger = getLogger("first", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${port}/in",
  fallbackToFile: true, fallbackFile: ${JSON.stringify(spool)}, retryCount: 1, retryBaseDelay: 0.01,
  retryMaxDelay: 0.02, batchSize: 50, shutdownTimeout: 1 }] });
for (let i = 0; i < 300; i++) logger.info("record " + i, { seq: i });
await logger.shutdown();
console.log(JSON.stringify(logger.getBackends()[0].getStats()));
`,
        { timeoutMs: 30_000 },
      );
      assert.equal(first.code, 0, first.stderr);
      const firstStats = JSON.parse(first.stdout.trim().split("\n").pop()!);
      const spooled = tally(300, seqsOfLines(readFileSync(spool, "utf8")));
      server = await startServer(undefined, port);
      const logger = restLogger({
        endpoint: `http://127.0.0.1:${port}/in`,
        fallbackToFile: true,
        fallbackFile: spool,
        batchSize: 50,
        batchTimeout: 0.02,
      });
      await logSeq(logger, 200, 300);
      await flushWithin(logger, 15_000);
      const s = server;
      await waitFor(() => acceptedSeqs(s.requests, []).length >= 500, 5000);
      const t = tally(500, acceptedSeqs(server.requests, []));
      await logger.shutdown();
      await recordScenario(
        "REST: back after shutdown() (spool, replay next start)",
        t,
        "with fallbackToFile nothing is lost: shutdown spools what it could not deliver and the next start replays it first",
        () => {
          assert.equal(firstStats.spooled, 300);
          assert.equal(firstStats.messagesDropped, 0);
          assert.equal(spooled.delivered, 300, "all 300 in the spool");
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(t.ordered, "the spool went first, then the new records");
          assert.ok(!existsSync(spool), "the spool is removed once replayed");
        },
        "300 records spooled by the first process, 200 logged by the second",
      );
    } finally {
      await server?.close();
      dir.cleanup();
    }
  });
});
