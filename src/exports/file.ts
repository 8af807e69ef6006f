/**
 * The rotating, optionally gzip-compressing file backend. Importing this
 * module registers the `"file"` backend type with the factory.
 *
 * @example
 * ```ts
 * import { getLogger } from "@jinpy/logger/core";
 * import "@jinpy/logger/file";
 *
 * const logger = getLogger("app", { backends: [{ type: "file", filePath: "logs/app.log" }] });
 * logger.info("to the file");
 * await logger.shutdown();
 * ```
 *
 * @module
 */
import { FileBackend } from "../backends/file.ts";
import { BackendFactory } from "../factory.ts";

BackendFactory.registerBackendType("file", FileBackend);

export { FileBackend };
export type { FileBackendConfig } from "../config/config.ts";
