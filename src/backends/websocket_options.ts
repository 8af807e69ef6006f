/** The options of the WebSocket backend: its config as written, its key table (defaults written only here) and their typed form. */
import type { BackendConfigBase, NormalizedBackendConfig, OutputFormat } from "../config/config.ts";
import { COMMON, type Format, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

/**
 * The WebSocket backend's options.
 *
 * @example
 * ```ts
 * import type { WebSocketBackendConfig } from "@jinpy/logger";
 * const ws: WebSocketBackendConfig = { type: "websocket", endpoint: "wss://logs.example.com/ws", reconnectInterval: 5 };
 * ```
 */
export interface WebSocketBackendConfig extends BackendConfigBase {
  /** Always `"websocket"`. */
  type: "websocket";
  /** `ws://` or `wss://` URL. */
  endpoint: string;
  /** Handshake headers (Deno, Bun, Node). */
  headers?: Record<string, string>;
  /** Seconds between reconnects (backoff grows from it). Default 5. */
  reconnectInterval?: number;
  /** Reconnects before giving up; 0 = forever. Default 10. */
  maxReconnectAttempts?: number;
  /**
   * Seconds after giving up before a new record starts a fresh cycle of connection attempts
   * (records in between are dropped and counted). Default: max(reconnectInterval × 10, 30).
   */
  reconnectCooldown?: number;
  /** Seconds between application pings; 0 = none. Default 30. */
  pingInterval?: number;
  /** Largest message in bytes. Default 1048576. */
  maxMessageSize?: number;
  /** Records per message. Default 100. */
  batchSize?: number;
  /** Seconds before a partial batch is sent. Default 0.1. */
  batchTimeout?: number;
  /** Records held at most. Default 10000. */
  maxQueueSize?: number;
  /** `"batch"` (default) or `"record"` (one record per message). */
  messageMode?: "batch" | "record";
  /** A token sent as the query parameter `tokenParam`, for runtimes that cannot send headers (never logged). */
  token?: string;
  /** Query parameter name for `token`. Default `"token"`. */
  tokenParam?: string;
  /** Subprotocols offered in the handshake. */
  protocols?: string[];
  /** Keep each message until the server answers `{"type":"ack","batch_id":…}`. Default `false`. */
  acks?: boolean;
  /** Seconds to wait for an ack before the connection is treated as broken. Default 10. */
  ackTimeout?: number;
  /** Seconds to wait for the connection to open. Default 10. */
  connectTimeout?: number;
  /** Seconds an idle connection stays open (so a process can exit); 0 = until shutdown. Default 5. */
  idleTimeout?: number;
  /** Seconds `flush()` and `shutdown()` wait for delivery at most. Default 10. */
  shutdownTimeout?: number;
  /** The older name of `shutdownTimeout`, still accepted. */
  flushTimeout?: number;
  /** Spool what cannot be sent (overflow, outage, exit) to `fallbackFile`, replayed first once connected. Default `false`. */
  fallbackToFile?: boolean;
  /** Spool path. Default `"logs/websocket_fallback.log"`. */
  fallbackFile?: string;
  /** Accepted for configs shared with the Python edition; sending is always off the logging path. */
  asyncEnabled?: boolean;
  /** Accepted for configs shared with the Python edition; bodies are always JSON records. */
  format?: OutputFormat;
}

/** The keys of a `websocket` backend. */
export const WEBSOCKET_KEYS: KeyTable = {
  ...COMMON,
  endpoint: { kind: "string" },
  headers: { kind: "headers", default: {}, secret: true },
  reconnectInterval: { kind: "number", min: 0, default: 5 },
  maxReconnectAttempts: { kind: "integer", min: 0, default: 10 },
  reconnectCooldown: { kind: "number", min: 0 },
  pingInterval: { kind: "number", min: 0, default: 30 },
  maxMessageSize: { kind: "integer", min: 1, default: 1_048_576 },
  batchSize: { kind: "integer", min: 1, default: 100 },
  batchTimeout: { kind: "number", min: 0, default: 0.1 },
  maxQueueSize: { kind: "integer", min: 1, default: 10000 },
  messageMode: { kind: "string", values: ["batch", "record"], default: "batch" },
  token: { kind: "string", secret: true },
  tokenParam: { kind: "string", default: "token" },
  protocols: { kind: "strings", default: [] },
  acks: { kind: "boolean", default: false },
  ackTimeout: { kind: "number", min: 0, default: 10 },
  connectTimeout: { kind: "number", min: 0, default: 10 },
  idleTimeout: { kind: "number", min: 0, default: 5 },
  shutdownTimeout: { kind: "number", min: 0, default: 10 },
  flushTimeout: { kind: "number", min: 0 },
  fallbackToFile: { kind: "boolean", default: false },
  fallbackFile: { kind: "string", default: "logs/websocket_fallback.log" },
  format: { kind: "string", values: FORMATS, default: "json" },
  asyncEnabled: { kind: "boolean", default: true },
};

/** The WebSocket backend's options, every default applied (times in seconds). */
export interface WebSocketOptions {
  /** Seconds `shutdown()` may take: `shutdownTimeout`, or its older name `flushTimeout` when that is given. */
  shutdownTimeout: number;
  endpoint: string;
  headers: Record<string, string>;
  reconnectInterval: number;
  maxReconnectAttempts: number;
  /** Undefined: ten reconnect intervals, at least the backend's minimum. */
  reconnectCooldown: number | undefined;
  pingInterval: number;
  maxMessageSize: number;
  batchSize: number;
  batchTimeout: number;
  maxQueueSize: number;
  messageMode: "batch" | "record";
  token: string | undefined;
  tokenParam: string;
  protocols: string[];
  acks: boolean;
  ackTimeout: number;
  connectTimeout: number;
  idleTimeout: number;
  fallbackToFile: boolean;
  fallbackFile: string;
  format: Format;
}

/** The typed options of a normalized `websocket` config. */
export function webSocketOptions(config: NormalizedBackendConfig): WebSocketOptions {
  const r = new Read(config);
  return {
    shutdownTimeout: r.optNumber("flushTimeout") ?? r.number("shutdownTimeout"),
    endpoint: r.string("endpoint"),
    headers: r.headers("headers"),
    reconnectInterval: r.number("reconnectInterval"),
    maxReconnectAttempts: r.number("maxReconnectAttempts"),
    reconnectCooldown: r.optNumber("reconnectCooldown"),
    pingInterval: r.number("pingInterval"),
    maxMessageSize: r.number("maxMessageSize"),
    batchSize: r.number("batchSize"),
    batchTimeout: r.number("batchTimeout"),
    maxQueueSize: r.number("maxQueueSize"),
    messageMode: r.string<"batch" | "record">("messageMode"),
    token: r.optString("token"),
    tokenParam: r.string("tokenParam"),
    protocols: r.strings("protocols"),
    acks: r.boolean("acks"),
    ackTimeout: r.number("ackTimeout"),
    connectTimeout: r.number("connectTimeout"),
    idleTimeout: r.number("idleTimeout"),
    fallbackToFile: r.boolean("fallbackToFile"),
    fallbackFile: r.string("fallbackFile"),
    format: r.string<Format>("format"),
  };
}
