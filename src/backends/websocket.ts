import type { NormalizedBackendConfig } from "../config/config.ts";
import { configError } from "../config/_suggest.ts";
import { LoggerConfigurationError } from "../errors.ts";
import type { LogEntry } from "../record.ts";
import { describeError, registerSecret, reportOnce } from "../report.ts";
import { writeBlocker } from "../runtime/file.ts";
import { hasPermission } from "../runtime/runtime.ts";
import { handshakeHeadersSupported, runtimeLabel, webSocketAvailable } from "../runtime/websocket.ts";
import { Pipeline } from "../delivery/_pipeline.ts";
import { Spool } from "../delivery/_spool.ts";
import { WsTransport } from "../delivery/_ws_transport.ts";
import { type BackendStats, BaseBackend } from "./base.ts";
import { type WebSocketOptions, webSocketOptions } from "./websocket_options.ts";

/**
 * Batches in flight (sent, not yet confirmed) at most. In `messageMode: "record"` a batch is one record, so the
 * window holds `batchSize` times as many: the same records in flight as in batch mode. Without acks a message is
 * confirmed only after it drained and its connection stayed open a moment, so a window of 32 single records
 * would cap record mode at 32 records per confirmation delay.
 */
const WINDOW = 32;
/** Smallest pause between connection attempts, in seconds, so `reconnectInterval: 0` cannot spin. */
const MIN_RECONNECT_S = 0.01;
/** Longest pause between connection attempts, in seconds (unless `reconnectInterval` is longer). */
const MAX_RECONNECT_S = 30;
/** Smallest pause after giving up before a new record starts a fresh cycle of attempts, in seconds. */
const MIN_COOLDOWN_S = 30;
/** Room for a message's envelope (type, batch_id, timestamp, count) besides its records. */
const ENVELOPE_BYTES = 160;

/** A configuration error of the backend named `backend`, about `key`. */
function invalid(backend: string, message: string, key: string, suggestions: string[]): LoggerConfigurationError {
  return configError(`backend "${backend}" (websocket)`, message, { backend, key }, suggestions);
}

/**
 * Streams records over the standard `WebSocket`: batched JSON messages in the
 * Python edition's shape, handshake headers where the runtime can send them,
 * a bounded buffer while connecting or disconnected, and reconnection with
 * backoff and jitter.
 *
 * Each message carries a `batch_id`. Delivery is at-least-once:
 * - with `acks: true` a message is kept until the server answers
 *   `{"type":"ack","batch_id":"…"}`; messages not acknowledged when the
 *   connection drops are re-sent, unchanged and with the same `batch_id`,
 *   after the reconnect;
 * - without acks a message is kept until the socket's `bufferedAmount` has
 *   drained and the connection stayed open a moment longer; what was on a
 *   connection that closes abnormally before then is re-sent on the next
 *   one, one message at a time until one is confirmed (no re-send storm).
 *
 * A receiver de-duplicates on `batch_id`. With `fallbackToFile`, what
 * cannot be sent (overflow, an outage, the end of the process) is spooled
 * to `fallbackFile` and replayed first once connected.
 *
 * While a connection attempt fails or a connection drops with records
 * waiting, the backend is unhealthy (`isHealthy()` is false), counts the
 * failure, and reports it once on stderr; it turns healthy again when a
 * connection opens. After `maxReconnectAttempts` failed reconnects (never
 * with 0) it gives up: what it holds is spooled or counted as dropped, and so is every
 * record logged during the next `reconnectCooldown` seconds (default
 * max(reconnectInterval × 10, 30)). The first record after that starts a
 * fresh cycle of connection attempts, so a backend recovers once its
 * endpoint is back.
 *
 * @example
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 *
 * const logger = getLogger("websocket_app", {
 *   backends: [{
 *     type: "websocket",
 *     level: LogLevel.INFO,
 *     endpoint: "wss://logs.example.com/ws",
 *     headers: { Authorization: "Bearer YOUR_TOKEN" },
 *     reconnectInterval: 5.0,
 *     maxReconnectAttempts: 10,
 *   }],
 * });
 * logger.info("This will be sent via WebSocket");
 * await logger.shutdown();
 * ```
 */
export class WebSocketBackend extends BaseBackend {
  #jsonLines: boolean;
  #pipeline: Pipeline;

  /**
   * Creates the backend; nothing connects until the first record.
   *
   * @param config A `websocket` backend config.
   * @throws {LoggerConfigurationError} For an endpoint that is not `ws://`/`wss://`, invalid headers,
   *   headers on a runtime that cannot send them, or no WebSocket client.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const c = webSocketOptions(this.config);
    const url = this.#parseEndpoint(c.endpoint);
    const safeUrl = `${url.protocol}//${url.host}${url.pathname}`;

    // Names and values were validated with the config (valid HTTP tokens, no CR/LF/NUL).
    const headers = c.headers;
    for (const value of Object.values(headers)) registerSecret(value);
    const token = c.token;
    if (token !== undefined && token !== "") {
      registerSecret(token);
      url.searchParams.set(c.tokenParam, token);
    }
    const protocols = c.protocols;

    if (!webSocketAvailable()) {
      throw invalid(this.name, `this runtime (${runtimeLabel()}) has no WebSocket client`, "type", [
        "Run on Deno, Bun or Node 22 or later (Node 20: --experimental-websocket, without handshake headers)",
      ]);
    }
    if (Object.keys(headers).length > 0 && !handshakeHeadersSupported()) {
      throw invalid(
        this.name,
        `this runtime (${runtimeLabel()}) cannot send handshake headers, so "headers" (${
          Object.keys(headers).join(", ")
        }) would not reach the server`,
        "headers",
        [
          'Pass the credential as a query parameter with "token" (and "tokenParam", default "token")',
          'Or negotiate it as a subprotocol with "protocols"',
          "Or run on Deno, Bun or Node 22 or later, which send headers",
        ],
      );
    }
    if (!hasPermission("net", url.host)) {
      throw invalid(this.name, `no network permission for ${url.host}`, "endpoint", [
        `Run Deno with --allow-net=${url.host}`,
      ]);
    }

    this.#jsonLines = c.format === "json";
    const reconnectInterval = c.reconnectInterval;
    const maxMessageSize = c.maxMessageSize;
    Object.assign(this.stats, { connected: false, connections: 0, reconnects: 0, queued: 0 });
    const transport = new WsTransport({
      url: url.href,
      safeUrl,
      headers,
      protocols,
      recordMode: c.messageMode === "record",
      jsonLines: this.#jsonLines,
      maxMessageSize,
      acks: c.acks,
      ackTimeoutMs: c.ackTimeout * 1000,
      connectTimeoutMs: c.connectTimeout * 1000,
      idleTimeoutMs: c.idleTimeout * 1000,
      pingIntervalMs: c.pingInterval * 1000,
      stats: this.stats,
      opened: () => void (this.healthy = true),
    });
    const spool = this.#openSpool(c, url.href, headers, protocols);
    this.#pipeline = new Pipeline(
      {
        batchSize: c.messageMode === "record" ? 1 : c.batchSize,
        batchTimeoutMs: c.batchTimeout * 1000,
        maxQueueSize: c.maxQueueSize,
        maxBatchBytes: Math.max(1, maxMessageSize - ENVELOPE_BYTES),
        window: c.messageMode === "record" ? WINDOW * c.batchSize : WINDOW,
        retryCount: Infinity,
        backoff: {
          baseDelay: Math.max(MIN_RECONNECT_S, reconnectInterval),
          factor: 2,
          maxDelay: Math.max(reconnectInterval, MAX_RECONNECT_S),
          jitter: true,
        },
        shutdownTimeoutMs: c.shutdownTimeout * 1000,
        boundedFlush: true,
        giveUpAfter: c.maxReconnectAttempts,
        cooldownMs: 1000 *
          (c.reconnectCooldown ?? Math.max(reconnectInterval * 10, MIN_COOLDOWN_S)),
        gaveUpReason: "endpoint unreachable after maxReconnectAttempts",
        spool,
        spoolOwner: this,
      },
      transport,
      this.stats,
      {
        drop: (n, reason) => this.recordDrop(n, reason),
        failure: (error, stayHealthy) => this.recordFailure(error, 0, stayHealthy),
        retrying: (error) => this.recordFailure(error, 0),
        delivered: () => void (this.healthy = true),
        gaveUp: (text) => {
          this.healthy = false;
          reportOnce(`${this.name}:websocket:gave-up`, `${this.name} backend ${text}`);
        },
      },
    );
  }

  /** The spool of `fallbackToFile`, shared only with backends sending to the same server the same way. */
  #openSpool(
    c: WebSocketOptions,
    url: string,
    headers: Record<string, string>,
    protocols: string[],
  ): Spool | undefined {
    if (!c.fallbackToFile) return undefined;
    const path = c.fallbackFile;
    const where = `backend "${this.name}" (websocket)`;
    const blocker = writeBlocker(path);
    if (blocker !== undefined) {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: "fallbackToFile" cannot write ${JSON.stringify(path)}: ${blocker}`,
        { details: { key: "fallbackFile", path } },
      );
    }
    const target = [
      "websocket",
      url,
      c.messageMode,
      c.format,
      ...protocols,
      "",
      ...Object.entries(headers).map(([k, v]) => `${k.toLowerCase()}\n${v}`).sort(),
    ].join("\n");
    if (Spool.sharedElsewhere(path, target)) {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: "fallbackFile" ${
          JSON.stringify(path)
        } is already the spool of a backend that delivers elsewhere`,
        { details: { key: "fallbackFile", path }, suggestions: ['Give this backend its own "fallbackFile"'] },
      );
    }
    try {
      return Spool.acquire(path, target, this, () => this.#pipeline.kick());
    } catch (e) {
      throw new LoggerConfigurationError(`Cannot open the spool ${JSON.stringify(path)}: ${describeError(e)}`, {
        details: { key: "fallbackFile", path },
        cause: e,
      });
    }
  }

  #parseEndpoint(endpoint: string): URL {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid(this.name, `"endpoint" is not a valid URL`, "endpoint", ['e.g. "wss://logs.example.com/ws"']);
    }
    if (url.password) registerSecret(decodeURIComponent(url.password));
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      const hint = url.protocol === "http:" ? "ws:" : url.protocol === "https:" ? "wss:" : undefined;
      throw invalid(
        this.name,
        `"endpoint" must be a ws:// or wss:// URL, got a ${url.protocol}// URL`,
        "endpoint",
        hint ? [`Use ${hint}//${url.host}${url.pathname}`] : ['e.g. "wss://logs.example.com/ws"'],
      );
    }
    return url;
  }

  /** Queues the record; connects on the first one. Never waits on I/O. */
  override handle(entry: LogEntry): void {
    if (!this.shouldHandle(entry)) return;
    const text = this.formatEntry(entry);
    this.#pipeline.push(this.#jsonLines ? text : JSON.stringify({ source: entry.loggerName, log: text }));
  }

  /** Counters plus `connected`, `connections`, `reconnects` and `queued`. */
  override getStats(): BackendStats {
    this.stats.queued = this.#pipeline.queued;
    return super.getStats();
  }

  /**
   * Resolves when every record logged before the call is confirmed (with
   * `acks`, acknowledged), spooled or counted dropped, when the backend
   * gives up, or after `shutdownTimeout`. Records logged meanwhile are not
   * waited for.
   */
  override flush(): Promise<void> {
    return this.#pipeline.flush();
  }

  /**
   * Delivers what is held (at most `shutdownTimeout`, alias `flushTimeout`),
   * waits for the socket to drain, closes it with code 1000 and waits for
   * the close handshake. Records not delivered by then are spooled, or
   * counted as dropped. Idempotent.
   */
  override shutdown(): Promise<void> {
    return this.#pipeline.shutdown();
  }
}
