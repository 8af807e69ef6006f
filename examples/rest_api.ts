/**
 * The seed's "REST API Backend" example: ERROR records go to an HTTP
 * endpoint with a bearer token, in batches of 50 (or every 10 s), retried
 * three times. Without an endpoint argument it starts a local collector and
 * sends there. Run: deno run -A examples/rest_api.ts [endpoint]
 * (the token comes from LOG_API_TOKEN).
 */
import { getLogger, LogLevel } from "../mod.ts";
import { startCollector } from "./collector.ts";

const collector = Deno.args[0] ? undefined : await startCollector();
const endpoint = Deno.args[0] ?? collector!.restUrl("api_app");
const token = Deno.env.get("LOG_API_TOKEN") ?? "demo-token";

const logger = getLogger("api_app", {
  backends: [{
    type: "rest_api",
    level: LogLevel.ERROR,
    endpoint,
    headers: {
      "Authorization": `Bearer ${token}`,
      "Content-Type": "application/json",
    },
    timeoutSeconds: 30,
    retryCount: 3,
    batchSize: 50,
    batchTimeout: 10.0,
  }],
});

logger.error("This error will be sent to the REST API");
logger.info("INFO is below the backend's level: not sent");
for (let i = 1; i < 120; i++) logger.error("request failed", { request: i });

// flush() delivers the partial last batch now instead of after batchTimeout.
await logger.flush();
const stats = logger.getBackends()[0].getStats();
console.log(`sent ${stats.messagesWritten} records in ${stats.batchesSent} requests`);
if (collector) {
  const records = collector.received.records.get("api_app") ?? [];
  console.log(`collector received ${records.length} records; first: ${records[0]?.message}`);
  await logger.shutdown();
  await collector.close();
} else {
  await logger.shutdown();
}
