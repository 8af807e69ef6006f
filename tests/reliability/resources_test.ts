/**
 * Resources under a dead or slow sink: memory stays bounded by
 * `maxQueueSize` when the REST endpoint refuses everything, and a receiver
 * that takes a second per request never slows the logging calls.
 * (`deno task reliability` runs the memory case with 1 M records too.)
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, type Logger } from "../../mod.ts";
import { startServer } from "../_http_server.ts";
import { ROOT, runCommand, runScript, runtimeCommand, sleep, tempDir } from "../_helpers.ts";
import { memoryBound, recordScenario } from "./_record.ts";
import { within } from "./_wait.ts";

const MB = 1024 * 1024;

/** Runs the dead-sink script on the current runtime and returns its summary line. */
async function deadSink(
  records: number,
  queue: number,
  pad: number,
): Promise<
  { records: number; queue: number; baseline: number; peak: number; seconds: number; stats: Record<string, number> }
> {
  const result = await runCommand(runtimeCommand(`${ROOT}/tests/reliability/_dead_sink.ts`), {
    env: { RECORDS: String(records), QUEUE: String(queue), PAD: String(pad) },
    timeoutMs: 120_000,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

describe("reliability: resources", () => {
  test("a dead REST sink under 100 000 records of 4 KB: RSS bounded by maxQueueSize, every record counted", async () => {
    const pad = 4000;
    const r = await deadSink(100_000, 1000, pad);
    const growth = r.peak - r.baseline;
    const volume = r.records * pad;
    const bound = memoryBound(r.queue, pad);
    const sent = r.records + 1; // and the warm-up record
    await recordScenario(
      "REST dead sink, 100 000 × 4 KB records, maxQueueSize 1000",
      { sent, delivered: 0, duplicates: 0, lost: sent },
      "memory is bounded by maxQueueSize: the oldest records are dropped and counted, never held",
      () => {
        assert.ok(growth < bound, `RSS grew ${(growth / MB).toFixed(0)} MB, bound ${(bound / MB).toFixed(0)} MB`);
        assert.ok(
          growth < volume / 2,
          `RSS grew ${(growth / MB).toFixed(0)} MB for ${(volume / MB).toFixed(0)} MB logged`,
        );
        assert.equal(r.stats.messagesDropped, sent, "every record counted as dropped");
        assert.equal(r.stats.messagesWritten, 0);
      },
      `peak RSS +${(growth / MB).toFixed(0)} MB (bound ${(bound / MB).toFixed(0)} MB; ${
        (volume / MB).toFixed(0)
      } MB logged)`,
    );
  });

  test("a receiver taking 1 s per request does not slow 100 000 log calls (ratio to a fast one)", async () => {
    const fast = await startServer();
    const slow = await startServer(() => ({ delayMs: 1000 }));
    const loggers: Logger[] = [];
    const timeCalls = async (url: string, tag: string): Promise<{ ms: number; logger: Logger }> => {
      const logger = getLogger(`rel_speed_${tag}_${Math.random()}`, {
        backends: [{
          type: "rest_api",
          endpoint: url,
          batchSize: 100,
          batchTimeout: 0.05,
          timeoutSeconds: 5,
          shutdownTimeout: 1,
        }],
      });
      loggers.push(logger);
      const started = performance.now();
      for (let chunk = 0; chunk < 100; chunk++) {
        for (let i = 0; i < 1000; i++) logger.info("request handled", { seq: chunk * 1000 + i, path: "/api/items" });
        // Let the backend's I/O run between bursts, as in a real server.
        await sleep(0);
      }
      return { ms: performance.now() - started, logger };
    };
    try {
      await timeCalls(fast.url, "warmup");
      const fastMs = Math.min((await timeCalls(fast.url, "fast")).ms, (await timeCalls(fast.url, "fast2")).ms);
      const { ms: slowMs, logger } = await timeCalls(slow.url, "slow");
      const ratio = slowMs / fastMs;
      await within(logger.shutdown(), 10_000);
      const s = logger.getBackends()[0].getStats();
      await recordScenario(
        "REST receiver taking 1 s per request: caller speed",
        { sent: 100_000, delivered: s.messagesWritten, duplicates: 0, lost: 100_000 - s.messagesWritten },
        "a log call never waits on I/O: 100 000 calls with a 1 s receiver take about as long as with a fast one; what the slow receiver cannot take overflows maxQueueSize and is counted dropped",
        () => {
          assert.ok(
            ratio < 3,
            `slow ${slowMs.toFixed(0)} ms vs fast ${fastMs.toFixed(0)} ms (ratio ${ratio.toFixed(2)})`,
          );
          assert.equal(s.messagesWritten + s.messagesDropped, 100_000, "every record delivered or counted");
        },
        `100 000 calls: ${fastMs.toFixed(0)} ms fast, ${slowMs.toFixed(0)} ms slow (ratio ${
          ratio.toFixed(2)
        }); messagesDropped ${s.messagesDropped}`,
      );
    } finally {
      await within(Promise.all(loggers.map((l) => l.shutdown())), 10_000);
      await fast.close();
      await slow.close();
    }
  });

  test('reports stay once per kind beyond 10 000 keys, and short-lived loggers share one "was shut down" line', async () => {
    const dir = tempDir();
    try {
      const keys = 30_000;
      const result = await runScript(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
import { reportOnce } from "${ROOT}/src/report.ts";
for (let round = 0; round < 2; round++) {
  for (let i = 0; i < ${keys}; i++) reportOnce("conn:" + i, "connection " + i + " failed", "conn-failed");
}
for (let i = 0; i < 500; i++) {
  const logger = getLogger("request-" + i, { backends: [{ type: "file", filePath: "app.log" }] });
  logger.info("before");
  await logger.shutdown();
  logger.info("after");
}
`,
      );
      const lines = result.stderr.split("\n").filter((l) => l.startsWith("[@jinpy/logger]"));
      const conn = lines.filter((l) => l.includes("connection ")).length;
      const closed = lines.filter((l) => l.includes("was shut down")).length;
      await recordScenario(
        "reports: 60 000 reports of 30 000 keys of one kind, 500 loggers used after shutdown",
        { sent: 500, delivered: 500, duplicates: 0, lost: 0 },
        'bounded: the 10 000 latest keys are remembered, at most 20 lines per kind plus one saying the rest are counted; one "was shut down" line for all loggers',
        () => {
          assert.equal(result.code, 0, result.stderr);
          assert.equal(conn, 21, "20 reports and one saying the rest are counted");
          assert.equal(closed, 1);
          assert.equal(lines.length, 22, result.stderr.slice(0, 2000));
        },
        `${conn} lines for ${keys} keys; ${closed} "was shut down" line for 500 loggers`,
      );
    } finally {
      dir.cleanup();
    }
  });
});
