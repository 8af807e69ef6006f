/**
 * The seed's "Error Handling" example: a robust REST backend that retries
 * with exponential backoff and falls back to a file while the endpoint is
 * down. Run: deno run -A examples/error_handling.ts [logDir]
 */
import { getLogger } from "../mod.ts";
import { startCollector } from "./collector.ts";

const logDir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "jinpy-robust-" });
const collector = await startCollector();
collector.outage(1500); // the endpoint answers 503 for 1.5 s

const logger = getLogger("robust_app", {
  backends: [{
    type: "rest_api",
    endpoint: collector.restUrl("robust"),
    timeoutSeconds: 30,
    retryCount: 5,
    retryBackoffFactor: 2.0, // exponential backoff
    retryBaseDelay: 0.1,
    maxQueueSize: 10000, // large queue for resilience
    fallbackToFile: true, // fallback to file on failure
    fallbackFile: `${logDir}/api_fallback.log`,
    batchSize: 10,
    batchTimeout: 0.1,
  }],
});

for (let i = 0; i < 30; i++) logger.error("payment failed", { order: i });
await logger.flush();
const deadline = Date.now() + 15_000;
while ((collector.received.records.get("robust")?.length ?? 0) < 30 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
}
const stats = logger.getBackends()[0].getStats();
await logger.shutdown();
console.log(
  `delivered ${
    collector.received.records.get("robust")?.length ?? 0
  } of 30 after ${collector.received.refused} refused requests (retries: ${stats.retries}, spooled: ${stats.spooled}, replayed: ${stats.replayed})`,
);
await collector.close();
