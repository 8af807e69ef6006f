/** The options of the WebSocket backend: its key table (defaults written only here) and their typed form. */
import type { NormalizedBackendConfig } from "../config/config.ts";
import { COMMON, type Format, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

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
