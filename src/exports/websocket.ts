/**
 * The WebSocket backend. Importing this module registers the `"websocket"`
 * backend type with the factory.
 *
 * @example
 * ```ts
 * import { getLogger } from "@jinpy/logger/core";
 * import "@jinpy/logger/websocket";
 *
 * const logger = getLogger("app", {
 *   backends: [{ type: "websocket", endpoint: "ws://127.0.0.1:9/logs" }],
 * });
 * ```
 *
 * @module
 */
import { WebSocketBackend } from "../backends/websocket.ts";
import { BackendFactory } from "../factory.ts";

BackendFactory.registerBackendType("websocket", WebSocketBackend);

export { WebSocketBackend };
export type { WebSocketBackendConfig } from "../config/config.ts";
