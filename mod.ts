/**
 * A structured logger for Deno, Bun and Node: console, rotating gzip files,
 * batching REST and WebSocket backends that lose nothing, and the same wire
 * records as the Python edition (`jinpy_utils.logger`). This module
 * registers every backend type; `@jinpy/logger/core` loads the console
 * backend only, and `/file`, `/rest`, `/websocket` add the others.
 *
 * @example Quick start
 * ```ts
 * import { getLogger } from "@jinpy/logger";
 *
 * const logger = getLogger("app");
 * logger.info("Application started", { port: 8080 });
 * logger.bind({ request_id: "r-1" }).warning("slow request", { ms: 1200 });
 * getLogger("app.db").info("follows app's level and backends");
 * await logger.shutdown();
 * ```
 *
 * @module
 */
export * from "./src/exports/core.ts";
export * from "./src/exports/file.ts";
export * from "./src/exports/rest.ts";
export * from "./src/exports/websocket.ts";
