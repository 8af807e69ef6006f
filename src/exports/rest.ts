/**
 * The batching REST API backend and the payload encryption helpers.
 * Importing this module registers the `"rest_api"` backend type with the
 * factory.
 *
 * @example
 * ```ts
 * import { getLogger } from "@jinpy/logger/core";
 * import "@jinpy/logger/rest";
 *
 * const logger = getLogger("app", {
 *   backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:9/logs", batchSize: 50 }],
 * });
 * ```
 *
 * @module
 */
import { RestApiBackend } from "../backends/rest_api.ts";
import { BackendFactory } from "../factory.ts";

BackendFactory.registerBackendType("rest_api", RestApiBackend);

export { RestApiBackend };
export { decryptPayload, encryptPayload } from "../crypto.ts";
export type { PayloadFormat, RestApiBackendConfig } from "../config/config.ts";
