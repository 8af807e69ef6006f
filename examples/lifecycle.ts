/**
 * The seed's "Backend Lifecycle" examples: creation by the factory, proper
 * resource cleanup, and health monitoring.
 * Run: deno run -A examples/lifecycle.ts [logDir]   # or: bun / node examples/lifecycle.ts [logDir]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { BackendFactory, createProductionConfig, getLogger } from "../mod.ts";

// Initialization: backends are created by the factory.
const backend = BackendFactory.createBackend({ type: "console", level: "INFO" });
console.log(`created ${backend.constructor.name} at level ${backend.level}`);
await backend.shutdown();

// Resource management: always shut down, also on errors.
const logDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "jinpy-life-"));
const logger = getLogger("app", createProductionConfig(`${logDir}/app.log`));
try {
  logger.info("Application running");

  // Health monitoring: check every backend's health.
  for (const b of logger.getBackends()) {
    logger.info("Backend health", { backend_type: b.constructor.name, healthy: b.isHealthy() });
  }
} finally {
  await logger.shutdown();
}
