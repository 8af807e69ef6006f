/**
 * Logs `RECORDS` records of about `PAD` bytes each (default 1000) to a REST endpoint that refuses
 * every connection, with `maxQueueSize` `QUEUE`, sampling the resident set
 * size as it goes. Prints one JSON line: baseline and peak RSS (bytes) and
 * the backend's counters after shutdown.
 *
 * RECORDS=1000000 QUEUE=1000 deno run -A tests/reliability/_dead_sink.ts
 */
import process from "node:process";
import { createServer } from "node:net";
import { getLogger } from "../../mod.ts";

const records = Number(process.env.RECORDS ?? 100_000);
const queue = Number(process.env.QUEUE ?? 1000);
const padBytes = Number(process.env.PAD ?? 1000);

/** A port nobody listens on: bound a moment ago, then released. */
const port = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});

const logger = getLogger("dead_sink", {
  backends: [{
    type: "rest_api",
    endpoint: `http://127.0.0.1:${port}/in`,
    maxQueueSize: queue,
    batchSize: 100,
    batchTimeout: 0.01,
    retryCount: 2,
    retryBaseDelay: 0.01,
    retryMaxDelay: 0.05,
    shutdownTimeout: 1,
  }],
});
const pad = "x".repeat(padBytes);
const rss = () => process.memoryUsage().rss;
logger.info("warm-up", { seq: -1, pad });
await new Promise((r) => setTimeout(r, 50));
const baseline = rss();
let peak = baseline;
const started = performance.now();
for (let i = 0; i < records; i++) {
  logger.info("record", { seq: i, pad });
  if ((i + 1) % 10_000 === 0) {
    peak = Math.max(peak, rss());
    await new Promise((r) => setTimeout(r, 0));
  }
}
peak = Math.max(peak, rss());
const seconds = (performance.now() - started) / 1000;
await logger.shutdown();
const stats = logger.getBackends()[0].getStats();
console.log(JSON.stringify({ records, queue, pad: padBytes, baseline, peak, seconds, stats }));
