/**
 * The seed's "Multiple Backends" example: DEBUG to the console only, INFO to
 * console and file, ERROR to all three. Run: deno run -A examples/multiple_backends.ts [logDir] [restEndpoint]
 */
import { getLogger, LogLevel } from "../mod.ts";
import { startCollector } from "./collector.ts";

const logDir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "jinpy-multi-" });
const collector = Deno.args[1] ? undefined : await startCollector();
const endpoint = Deno.args[1] ?? collector!.restUrl("multi");

const logger = getLogger("multi_backend_app", {
  backends: [
    // Console for development
    { type: "console", level: LogLevel.DEBUG, useColors: true },
    // File for persistence
    { type: "file", level: LogLevel.INFO, filePath: `${logDir}/app.log`, maxSizeMb: 50, backupCount: 5 },
    // REST API for centralized logging
    { type: "rest_api", level: LogLevel.ERROR, endpoint, batchSize: 10, batchTimeout: 0.1 },
  ],
});

// DEBUG: only to console
logger.debug("Debug information");
// INFO: to console and file
logger.info("Application started");
// ERROR: to all backends
logger.error("Critical error occurred");

await logger.shutdown();
const fileLines = (await Deno.readTextFile(`${logDir}/app.log`)).trim().split("\n");
console.log(`file: ${fileLines.length} records (${fileLines.map((l) => JSON.parse(l).level).join(", ")})`);
if (collector) {
  const received = collector.received.records.get("multi") ?? [];
  console.log(`rest: ${received.length} records (${received.map((r) => r.level).join(", ")})`);
  await collector.close();
}
