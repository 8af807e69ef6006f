/** The options of the REST backend: its key table (defaults written only here) and their typed form. */
import type { NormalizedBackendConfig, PayloadFormat } from "../config/config.ts";
import { COMMON, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

/** The keys of a `rest_api` backend. */
export const REST_KEYS: KeyTable = {
  ...COMMON,
  endpoint: { kind: "string" },
  method: { kind: "string", values: ["POST", "PUT", "PATCH"], default: "POST" },
  headers: { kind: "headers", default: {}, secret: true },
  timeoutSeconds: { kind: "number", min: 0, default: 30 },
  retryCount: { kind: "integer", min: 0, default: 3 },
  retryBackoffFactor: { kind: "number", min: 1, default: 2 },
  retryBaseDelay: { kind: "number", min: 0, default: 1 },
  retryMaxDelay: { kind: "number", min: 0, default: 60 },
  retryJitter: { kind: "boolean", default: true },
  batchSize: { kind: "integer", min: 1, default: 100 },
  batchTimeout: { kind: "number", min: 0, default: 5 },
  maxQueueSize: { kind: "integer", min: 1, default: 10000 },
  concurrency: { kind: "integer", min: 1, default: 1 },
  fallbackToFile: { kind: "boolean", default: false },
  fallbackFile: { kind: "string", default: "logs/api_fallback.log" },
  verifySsl: { kind: "boolean", default: true },
  clientCert: { kind: "string" },
  clientKey: { kind: "string" },
  caCert: { kind: "string" },
  encryptPayload: { kind: "boolean", default: false },
  encryptionKey: { kind: "string", secret: true },
  payloadFormat: {
    kind: "string",
    values: ["jinpy", "ndjson", "loki", "otlp", "otlp-protobuf", "elasticsearch"],
    default: "jinpy",
  },
  compression: { kind: "boolean", default: false },
  labels: { kind: "headers", default: {} },
  index: { kind: "string", default: "logs" },
  shutdownTimeout: { kind: "number", min: 0, default: 10 },
  flushTimeout: { kind: "number", min: 0 },
  format: { kind: "string", values: FORMATS, default: "json" },
  asyncEnabled: { kind: "boolean", default: true },
  appName: { kind: "string" },
  environment: { kind: "string" },
  version: { kind: "string" },
};

/** The REST backend's options, every default applied (times in seconds). */
export interface RestOptions {
  /** Seconds `shutdown()` may take: `shutdownTimeout`, or its older name `flushTimeout` when that is given. */
  shutdownTimeout: number;
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  timeoutSeconds: number;
  retryCount: number;
  retryBackoffFactor: number;
  retryBaseDelay: number;
  retryMaxDelay: number;
  retryJitter: boolean;
  batchSize: number;
  batchTimeout: number;
  maxQueueSize: number;
  concurrency: number;
  fallbackToFile: boolean;
  fallbackFile: string;
  verifySsl: boolean;
  clientCert: string | undefined;
  clientKey: string | undefined;
  caCert: string | undefined;
  encryptPayload: boolean;
  encryptionKey: string | undefined;
  payloadFormat: PayloadFormat;
  compression: boolean;
  labels: Record<string, string>;
  index: string;
  appName: string | undefined;
  environment: string | undefined;
  version: string | undefined;
}

/** The typed options of a normalized `rest_api` config. */
export function restOptions(config: NormalizedBackendConfig): RestOptions {
  const r = new Read(config);
  return {
    shutdownTimeout: r.optNumber("flushTimeout") ?? r.number("shutdownTimeout"),
    endpoint: r.string("endpoint"),
    method: r.string("method"),
    headers: r.headers("headers"),
    timeoutSeconds: r.number("timeoutSeconds"),
    retryCount: r.number("retryCount"),
    retryBackoffFactor: r.number("retryBackoffFactor"),
    retryBaseDelay: r.number("retryBaseDelay"),
    retryMaxDelay: r.number("retryMaxDelay"),
    retryJitter: r.boolean("retryJitter"),
    batchSize: r.number("batchSize"),
    batchTimeout: r.number("batchTimeout"),
    maxQueueSize: r.number("maxQueueSize"),
    concurrency: r.number("concurrency"),
    fallbackToFile: r.boolean("fallbackToFile"),
    fallbackFile: r.string("fallbackFile"),
    verifySsl: r.boolean("verifySsl"),
    clientCert: r.optString("clientCert"),
    clientKey: r.optString("clientKey"),
    caCert: r.optString("caCert"),
    encryptPayload: r.boolean("encryptPayload"),
    encryptionKey: r.optString("encryptionKey"),
    payloadFormat: r.string<PayloadFormat>("payloadFormat"),
    compression: r.boolean("compression"),
    labels: r.headers("labels"),
    index: r.string("index"),
    appName: r.optString("appName"),
    environment: r.optString("environment"),
    version: r.optString("version"),
  };
}
