/**
 * The seed's "Async Backend Operations" example, on the production preset
 * (JSON console + rotating gzip file). Run: deno run -A examples/async_operations.ts [logDir]
 */
import { createProductionConfig, getLogger } from "../mod.ts";

async function asyncLoggingExample(logDir: string): Promise<void> {
  const config = createProductionConfig(`${logDir}/app.log`);
  const logger = getLogger("async_app", config);

  // These calls never wait on I/O: the file is written off the logging path.
  logger.info("Starting async operation");
  await new Promise((r) => setTimeout(r, 100));
  logger.info("Async operation completed");

  // Ensure all logs are flushed before exit
  await logger.shutdown();
}

const logDir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "jinpy-async-" });
await asyncLoggingExample(logDir);
console.log(`file has ${(await Deno.readTextFile(`${logDir}/app.log`)).trim().split("\n").length} records`);
