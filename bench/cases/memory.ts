/**
 * memory: 1 M records to a REST endpoint that refuses connections, with
 * `maxQueueSize` 10 000. The queue must bound memory: RSS after 100 k, 500 k
 * and 1 M records, and the peak, in MB. Implementation: ours.
 */
import { createServer } from "node:net";
import { setImmediate } from "node:timers";
import { getLogger } from "../../mod.ts";
import { args, context3, exit, haveBackend, memoryMb, MESSAGE, now, report, skip } from "./_common.ts";

const a = args();
const impl = a.impl ?? "ours";
const n = Number(a.n ?? 1_000_000);
const tenth = Math.floor(n / 10);
const half = Math.floor(n / 2);

/** A port nobody listens on: bound once on 127.0.0.1, then closed. */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

if (impl !== "ours") skip(impl, `unknown implementation ${impl}`);
else if (haveBackend("rest_api", impl)) {
  const logger = getLogger("bench", {
    level: "info",
    backends: [{ type: "rest_api", endpoint: `http://127.0.0.1:${await deadPort()}/logs`, maxQueueSize: 10_000 }],
  });
  const start = memoryMb();
  let atTenth = start;
  let atHalf = start;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    logger.info(MESSAGE, context3(i));
    // Let the backend run (and fail) now and then, as a live program would.
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    if (i === tenth - 1) atTenth = memoryMb();
    else if (i === half - 1) atHalf = memoryMb();
  }
  const ms = now() - t0;
  const end = memoryMb();
  const stats = logger.getStats();
  report({
    impl,
    n,
    ms,
    rate: n / (ms / 1000),
    extra: {
      rssStartMb: start.rss,
      rssTenthMb: atTenth.rss,
      rssHalfMb: atHalf.rss,
      rssEndMb: end.rss,
      peakMb: end.peak,
      dropped: stats.messagesDropped,
    },
  });
}
exit(0);
