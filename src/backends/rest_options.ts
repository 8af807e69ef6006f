/** The options of the REST backend: its config as written, its key table (defaults written only here) and their typed form. */
import type { BackendConfigBase, NormalizedBackendConfig, OutputFormat } from "../config/config.ts";
import { COMMON, FORMATS, type KeyTable, Read } from "../config/_keys.ts";

/**
 * Body shapes the REST backend can send.
 *
 * @example
 * ```ts
 * import type { PayloadFormat } from "@jinpy/logger";
 * const format: PayloadFormat = "ndjson";
 * ```
 */
export type PayloadFormat = "jinpy" | "ndjson" | "loki" | "otlp" | "otlp-protobuf" | "elasticsearch";

/**
 * The REST API backend's options.
 *
 * @example
 * ```ts
 * import type { RestApiBackendConfig } from "@jinpy/logger";
 * const rest: RestApiBackendConfig = { type: "rest_api", endpoint: "https://logs.example.com/api/v1/logs", batchSize: 50 };
 * ```
 */
export interface RestApiBackendConfig extends BackendConfigBase {
  /** Always `"rest_api"`. */
  type: "rest_api";
  /** Full URL. */
  endpoint: string;
  /** HTTP method. Default `"POST"`. */
  method?: "POST" | "PUT" | "PATCH";
  /** Extra request headers (never logged). */
  headers?: Record<string, string>;
  /** Per-request timeout in seconds. Default 30. */
  timeoutSeconds?: number;
  /** Retries after the first attempt. Default 3. */
  retryCount?: number;
  /** Exponential backoff factor. Default 2. */
  retryBackoffFactor?: number;
  /** First retry delay in seconds. Default 1. */
  retryBaseDelay?: number;
  /** Longest retry delay in seconds. Default 60. */
  retryMaxDelay?: number;
  /** Randomize retry delays. Default `true`. */
  retryJitter?: boolean;
  /** Records per request. Default 100. */
  batchSize?: number;
  /** Seconds before a partial batch is sent. Default 5. */
  batchTimeout?: number;
  /** Records held at most. Default 10000. */
  maxQueueSize?: number;
  /** Requests in flight at once. Default 1. */
  concurrency?: number;
  /** Spool undeliverable batches to `fallbackFile`. Default `false`. */
  fallbackToFile?: boolean;
  /** Spool path. Default `"logs/api_fallback.log"`. */
  fallbackFile?: string;
  /** Verify TLS certificates. Default `true`. */
  verifySsl?: boolean;
  /** PEM client certificate path, for mTLS. */
  clientCert?: string;
  /** PEM client key path, for mTLS. */
  clientKey?: string;
  /** PEM CA certificate path to trust. */
  caCert?: string;
  /** Encrypt bodies with AES-256-GCM. Default `false`. */
  encryptPayload?: boolean;
  /** Passphrase for `encryptPayload`. */
  encryptionKey?: string;
  /** Body shape. Default `"jinpy"`. */
  payloadFormat?: PayloadFormat;
  /** Gzip request bodies. Default `false`. */
  compression?: boolean;
  /** Extra labels (Loki) or resource attributes (OTLP). */
  labels?: Record<string, string>;
  /** Index name for `elasticsearch`. Default `"logs"`. */
  index?: string;
  /** Seconds `shutdown()` (and the end of the process) waits for delivery before spooling or dropping the rest. Default 10. */
  shutdownTimeout?: number;
  /** The older name of `shutdownTimeout`, still accepted. */
  flushTimeout?: number;
  /** Accepted for configs shared with the Python edition; sending is always off the logging path. */
  asyncEnabled?: boolean;
  /** Accepted for configs shared with the Python edition; bodies are always JSON records. */
  format?: OutputFormat;
  /** OTLP `service.name`, Loki label `app`, `app_name` of NDJSON and Elasticsearch documents; the logger's by default. */
  appName?: string;
  /** OTLP `deployment.environment.name`, Loki label `env`, `environment` of documents; the logger's by default. */
  environment?: string;
  /** OTLP `service.version`, `version` of documents; the logger's by default. */
  version?: string;
}

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
