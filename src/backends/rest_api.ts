import type { NormalizedBackendConfig, PayloadFormat } from "../config/config.ts";
import { LoggerConfigurationError } from "../errors.ts";
import { secretSafeUrl } from "../_url.ts";
import type { LogEntry } from "../record.ts";
import { describeError, registerSecret, reportOnce } from "../report.ts";
import { fileSystem, writeBlocker } from "../runtime/file.ts";
import { createHttpClient, type HttpClient, type TlsSettings } from "../runtime/http.ts";
import { hasPermission } from "../runtime/runtime.ts";
import { HttpTransport } from "../delivery/_http_transport.ts";
import { Pipeline } from "../delivery/_pipeline.ts";
import { Spool } from "../delivery/_spool.ts";
import { type BackendStats, BaseBackend } from "./base.ts";
import { type RestOptions, restOptions } from "./rest_options.ts";

const decoder = new TextDecoder();

/**
 * A digest of everything that decides where and how a backend delivers its
 * records. Backends may share a spool only when theirs are equal: a record
 * spooled by one is replayed by any of them. Secrets enter it only hashed,
 * and it is never shown.
 */
function targetFingerprint(parts: readonly string[]): string {
  // Two 32-bit lanes (FNV-1a, and a variant with another prime and a shift) over the length-prefixed parts.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (const part of parts) {
    const text = `${part.length}:${part}`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

function readPem(key: string, path: string): string {
  const blocker = writeBlocker(path);
  if (blocker !== undefined && !/write/.test(blocker)) {
    throw new LoggerConfigurationError(`Cannot read ${key} ${JSON.stringify(path)}: ${blocker}`, {
      details: { key, path },
    });
  }
  try {
    return decoder.decode(fileSystem!.readFile(path));
  } catch (e) {
    throw new LoggerConfigurationError(`Cannot read ${key} ${JSON.stringify(path)}: ${describeError(e)}`, {
      details: { key, path },
      suggestions: [`"${key}" is the path of a PEM file`],
      cause: e,
    });
  }
}

/**
 * Sends records to an HTTP endpoint in batches: `batchSize` records or
 * `batchTimeout` seconds, whichever comes first, one request in flight by
 * default so the receiver sees them in order. Network errors, timeouts, 408,
 * 429 and 5xx are retried with exponential backoff and jitter (honouring
 * `Retry-After`); each batch carries an `Idempotency-Key` that stays the same
 * across its retries. At most `maxQueueSize` records are held; with
 * `fallbackToFile`, batches that exhaust their retries and queue overflow go
 * to an NDJSON spool that is replayed first, in order, once the endpoint
 * answers again. Delivery is at least once.
 *
 * Bodies: `payloadFormat` `"jinpy"` (the Python edition's), `"ndjson"`,
 * `"loki"`, `"otlp"`, `"elasticsearch"`; optionally gzip (`compression`) and
 * AES-256-GCM encrypted (`encryptPayload` + `encryptionKey`, read with
 * `decryptPayload`). TLS: `caCert`, `clientCert` + `clientKey` (mTLS),
 * `verifySsl`.
 *
 * @example
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 *
 * const logger = getLogger("api_app", {
 *   backends: [{
 *     type: "rest_api",
 *     level: LogLevel.ERROR,
 *     endpoint: "https://logs.example.com/api/v1/logs",
 *     headers: { Authorization: "Bearer YOUR_TOKEN", "Content-Type": "application/json" },
 *     timeoutSeconds: 30,
 *     retryCount: 3,
 *     batchSize: 50,
 *     batchTimeout: 10.0,
 *   }],
 * });
 * logger.error("This error will be sent to the REST API");
 * await logger.shutdown();
 * ```
 */
export class RestApiBackend extends BaseBackend {
  #url: string;
  #safeUrl: string;
  #method: string;
  #headers: Record<string, string>;
  #client: HttpClient;
  #format: PayloadFormat;
  #labels: Record<string, string>;
  #index: string;
  #compression: boolean;
  #encryptionKey: string | undefined;
  #pipeline: Pipeline;

  /**
   * Creates the backend; nothing is sent until records are logged.
   *
   * @param config A `rest_api` backend config.
   * @throws {LoggerConfigurationError} For an invalid endpoint, unreadable TLS
   *   files, or a feature this runtime cannot provide.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const c = restOptions(this.config);
    const where = `backend "${this.name}" (rest_api)`;
    let url: URL;
    try {
      ({ url, safeUrl: this.#safeUrl } = secretSafeUrl(c.endpoint));
    } catch {
      throw new LoggerConfigurationError(`Invalid logger configuration at ${where}: "endpoint" is not a valid URL`, {
        details: { key: "endpoint" },
        suggestions: ['e.g. "https://logs.example.com/api/v1/logs"'],
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: "endpoint" must be an http:// or https:// URL, got ${url.protocol}`,
        { details: { key: "endpoint", given: url.protocol } },
      );
    }
    if (!hasPermission("net", url.host)) {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: Deno needs --allow-net=${url.host} to send to "endpoint"`,
        { details: { key: "endpoint", host: url.host } },
      );
    }
    this.#method = c.method;
    this.#headers = c.headers;
    if (url.username !== "" || url.password !== "") {
      // fetch refuses URLs with credentials: send them as Basic auth instead.
      const basic = "Basic " + btoa(decodeURIComponent(url.username) + ":" + decodeURIComponent(url.password));
      if (!Object.keys(this.#headers).some((h) => h.toLowerCase() === "authorization")) {
        this.#headers.Authorization = basic;
      }
      registerSecret(basic);
      url.username = url.password = "";
    }
    this.#url = url.href;
    for (const v of Object.values(this.#headers)) registerSecret(v);
    this.#encryptionKey = c.encryptPayload ? c.encryptionKey : undefined;
    registerSecret(c.encryptionKey);
    if (c.encryptPayload && (typeof this.#encryptionKey !== "string" || this.#encryptionKey === "")) {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: "encryptPayload" needs "encryptionKey"`,
        {
          details: { key: "encryptionKey" },
          suggestions: ["Give a passphrase shared with the receiver, which reads bodies with decryptPayload"],
        },
      );
    }
    if (c.encryptPayload && globalThis.crypto?.subtle === undefined) {
      throw new LoggerConfigurationError(`"encryptPayload" needs Web Crypto, which this runtime lacks`, {
        details: { key: "encryptPayload" },
      });
    }
    this.#compression = c.compression;
    if (this.#compression && typeof CompressionStream === "undefined") {
      throw new LoggerConfigurationError(`"compression" needs CompressionStream, which this runtime lacks`, {
        details: { key: "compression" },
      });
    }
    const client = createHttpClient(url, this.#tlsSettings(c, where));
    this.#client = client;
    if (!c.verifySsl && url.protocol === "https:") {
      reportOnce(
        `${this.name}:verifySsl`,
        `${this.name} backend: TLS certificate verification is OFF for ${url.origin} (verifySsl: false); use caCert to trust a private CA instead`,
      );
    }
    this.#format = c.payloadFormat;
    this.#labels = c.labels;
    this.#index = c.index;
    let spool: Spool | undefined;
    if (c.fallbackToFile) {
      const path = c.fallbackFile;
      const blocker = writeBlocker(path);
      if (blocker !== undefined) {
        throw new LoggerConfigurationError(
          `Invalid logger configuration at ${where}: "fallbackToFile" cannot write ${JSON.stringify(path)}: ${blocker}`,
          { details: { key: "fallbackFile", path } },
        );
      }
      const target = this.#targetFingerprint();
      if (Spool.sharedElsewhere(path, target)) {
        client.close();
        const own = path.replace(/(\.[^./\\]*)?$/, (ext) => `_${this.name.replace(/[^\w.-]+/g, "_")}${ext}`);
        throw new LoggerConfigurationError(
          `Invalid logger configuration at ${where}: "fallbackFile" ${
            JSON.stringify(path)
          } is already the spool of a backend that delivers elsewhere (another endpoint, method, headers, payloadFormat, encryption or compression); sharing it would send that backend's records here, and this one's there`,
          {
            details: { key: "fallbackFile", path },
            suggestions: [`Give this backend its own "fallbackFile", e.g. ${JSON.stringify(own)}`],
          },
        );
      }
      try {
        spool = Spool.acquire(path, target, this, () => this.#pipeline.kick());
      } catch (e) {
        throw new LoggerConfigurationError(`Cannot open the spool ${JSON.stringify(path)}: ${describeError(e)}`, {
          details: { key: "fallbackFile", path },
          cause: e,
        });
      }
    }
    const transport = new HttpTransport({
      url: this.#url,
      safeUrl: this.#safeUrl,
      method: this.#method,
      headers: this.#headers,
      client,
      timeoutMs: c.timeoutSeconds * 1000,
      format: this.#format,
      labels: this.#labels,
      index: this.#index,
      service: {
        appName: c.appName,
        environment: c.environment,
        version: c.version,
      },
      compression: this.#compression,
      encryptionKey: this.#encryptionKey,
    });
    this.#pipeline = new Pipeline(
      {
        batchSize: c.batchSize,
        batchTimeoutMs: c.batchTimeout * 1000,
        maxQueueSize: c.maxQueueSize,
        maxBatchBytes: Infinity,
        window: c.concurrency,
        retryCount: c.retryCount,
        backoff: {
          baseDelay: c.retryBaseDelay,
          factor: c.retryBackoffFactor,
          maxDelay: c.retryMaxDelay,
          jitter: c.retryJitter,
        },
        shutdownTimeoutMs: c.shutdownTimeout * 1000,
        boundedFlush: false,
        giveUpAfter: 0,
        cooldownMs: 0,
        gaveUpReason: "",
        spool,
        spoolOwner: this,
      },
      transport,
      this.stats,
      {
        drop: (n, reason) => this.recordDrop(n, reason),
        failure: (error, stayHealthy) => this.recordFailure(error, 0, stayHealthy),
        retrying: () => {},
        delivered: () => void (this.healthy = true),
        gaveUp: () => {},
      },
    );
  }

  /**
   * What a record spooled by this backend would be delivered to, and how:
   * a backend replaying the spool sends it with its own settings, so only
   * backends where all of these are equal may share one.
   */
  #targetFingerprint(): string {
    const headers = Object.entries(this.#headers)
      .map(([k, v]) => `${k.toLowerCase()}\n${v}`)
      .sort();
    const labels = Object.entries(this.#labels).map(([k, v]) => `${k}\n${v}`).sort();
    return targetFingerprint([
      this.#url,
      this.#method.toUpperCase(),
      this.#format,
      this.#compression ? "gzip" : "",
      this.#encryptionKey === undefined ? "plain" : "aes-gcm",
      this.#encryptionKey ?? "",
      this.#index,
      ...labels,
      "",
      ...headers,
    ]);
  }

  #tlsSettings(c: RestOptions, where: string): TlsSettings {
    const tls: TlsSettings = { verify: c.verifySsl };
    const paths = [c.caCert, c.clientCert, c.clientKey].filter((p) => typeof p === "string");
    if (paths.length > 0 && fileSystem === undefined) {
      throw new LoggerConfigurationError(`caCert/clientCert/clientKey need a file system, which this runtime lacks`, {
        details: { key: "caCert" },
      });
    }
    if (typeof c.caCert === "string") tls.ca = readPem("caCert", c.caCert);
    if (typeof c.clientCert === "string") {
      tls.cert = readPem("clientCert", c.clientCert);
      if (typeof c.clientKey === "string") tls.key = readPem("clientKey", c.clientKey);
      else if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.cert)) tls.key = tls.cert;
      else {
        throw new LoggerConfigurationError(`Invalid logger configuration at ${where}: "clientCert" needs "clientKey"`, {
          details: { key: "clientKey" },
          suggestions: ["Give the client's private key (PEM) as clientKey, or a clientCert PEM that holds both"],
        });
      }
      registerSecret(tls.key);
    } else if (typeof c.clientKey === "string") {
      throw new LoggerConfigurationError(`Invalid logger configuration at ${where}: "clientKey" needs "clientCert"`, {
        details: { key: "clientCert" },
      });
    }
    return tls;
  }

  /** Queues one record; never waits on I/O. */
  override handle(entry: LogEntry): void {
    if (this.shouldHandle(entry)) this.#pipeline.push(entry.toJson());
  }

  /**
   * Resolves when every record logged before the call is delivered,
   * spooled, or (after exhausting its retries without a spool) counted as
   * dropped. Records logged meanwhile are not waited for.
   */
  override flush(): Promise<void> {
    return this.#pipeline.flush();
  }

  /**
   * Delivers what is held within `shutdownTimeout` seconds (replaying the
   * spool while the endpoint answers), then stops: what is still
   * undelivered goes to the spool (or is counted dropped), timers stop and
   * connections close. Idempotent.
   */
  override shutdown(): Promise<void> {
    return this.#pipeline.shutdown();
  }

  /** Counters: batchesSent, messagesWritten, retries, messagesDropped, spooled, replayed, queued, lastError. */
  override getStats(): BackendStats {
    return { ...super.getStats(), queued: this.#pipeline.queued };
  }
}
