import type { NormalizedBackendConfig } from "../config/config.ts";
import { configError } from "../config/_suggest.ts";
import { type LoggerConfigurationError, LoggerWebSocketError } from "../errors.ts";
import { BoundedQueue } from "../queue.ts";
import type { LogEntry } from "../record.ts";
import { describeError, registerSecret, reportOnce } from "../report.ts";
import { backoffDelay } from "../retry.ts";
import { hasPermission, onBeforeExit, onExit, unrefTimer } from "../runtime/runtime.ts";
import { handshakeHeadersSupported, openWebSocket, runtimeLabel, webSocketAvailable } from "../runtime/websocket.ts";
import { type BackendStats, BaseBackend } from "./base.ts";

/** A formatted record waiting to be sent. */
interface QueuedRecord {
  text: string;
  source: string;
}

/** One WebSocket message: built once, re-sent unchanged (same `batch_id`) after a reconnect. */
interface Message {
  id: string;
  text: string;
  bytes: number;
  count: number;
  sentAt: number;
}

type State = "idle" | "connecting" | "open" | "waiting" | "failed" | "closed";

/** Messages sent but not yet drained (or acknowledged) at most; sending pauses beyond it. */
const MAX_IN_FLIGHT = 16;
/** Smallest pause between connection attempts, so `reconnectInterval: 0` cannot spin. */
const MIN_RECONNECT_MS = 10;
/** Longest pause between connection attempts, in seconds (unless `reconnectInterval` is longer). */
const MAX_RECONNECT_S = 30;
/** Smallest pause after giving up before a new record starts a fresh cycle of attempts, in seconds. */
const MIN_COOLDOWN_S = 30;

/** UTF-8 byte length of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function randomId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

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
 *   drained (handed to the operating system); bytes lost inside the network
 *   after that point cannot be detected.
 *
 * A receiver de-duplicates on `batch_id`.
 *
 * While a connection attempt fails or a connection drops with records
 * waiting, the backend is unhealthy (`isHealthy()` is false), counts the
 * failure, and reports it once on stderr; it turns healthy again when a
 * connection opens. After `maxReconnectAttempts` failed reconnects (never
 * with 0) it gives up: what it holds is counted as dropped, and so is every
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
  #url: string;
  #safeUrl: string;
  #headers: Record<string, string>;
  #protocols: string[];
  #batchSize: number;
  #batchTimeoutMs: number;
  #maxMessageSize: number;
  #recordMode: boolean;
  #jsonFormat: boolean;
  #acks: boolean;
  #ackTimeoutMs: number;
  #connectTimeoutMs: number;
  #idleTimeoutMs: number;
  #flushTimeoutMs: number;
  #pingIntervalMs: number;
  #reconnectInterval: number;
  #maxReconnectAttempts: number;
  #cooldownMs: number;

  #queue: BoundedQueue<QueuedRecord>;
  #resend: Message[] = [];
  #inFlight: Message[] = [];
  #ws: WebSocket | undefined = undefined;
  #state: State = "idle";
  #attempts = 0;
  #failedAt = 0;
  #sessionId = randomId();
  #seq = 0;
  #partialDue = false;
  #pumpScheduled = false;
  #lastSendAt = 0;
  #handled = 0;
  #exitFlushHandled = -1;
  #shutdownPromise: Promise<void> | undefined = undefined;
  #removeHooks: (() => void)[] | undefined = undefined;

  #batchTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined = undefined;
  #tickTimer: ReturnType<typeof setInterval> | undefined = undefined;

  /**
   * Creates the backend; nothing connects until the first record.
   *
   * @param config A `websocket` backend config.
   * @throws {LoggerConfigurationError} For an endpoint that is not `ws://`/`wss://`, invalid headers,
   *   headers on a runtime that cannot send them, or no WebSocket client.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const c = this.config;
    const url = this.#parseEndpoint(c.endpoint as string);
    this.#safeUrl = `${url.protocol}//${url.host}${url.pathname}`;

    // Names and values were validated with the config (valid HTTP tokens, no CR/LF/NUL).
    this.#headers = { ...(c.headers as Record<string, string> | undefined) };
    for (const value of Object.values(this.#headers)) registerSecret(value);
    const token = c.token as string | undefined;
    if (token !== undefined && token !== "") {
      registerSecret(token);
      url.searchParams.set(c.tokenParam as string, token);
    }
    this.#url = url.href;
    this.#protocols = (c.protocols as string[] | undefined) ?? [];

    if (!webSocketAvailable()) {
      throw invalid(this.name, `this runtime (${runtimeLabel()}) has no WebSocket client`, "type", [
        "Run on Deno, Bun or Node 22 or later",
      ]);
    }
    if (Object.keys(this.#headers).length > 0 && !handshakeHeadersSupported()) {
      throw invalid(
        this.name,
        `this runtime (${runtimeLabel()}) cannot send handshake headers, so "headers" (${
          Object.keys(this.#headers).join(", ")
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

    this.#batchSize = c.batchSize as number;
    this.#batchTimeoutMs = (c.batchTimeout as number) * 1000;
    this.#maxMessageSize = c.maxMessageSize as number;
    this.#recordMode = c.messageMode === "record";
    this.#jsonFormat = (c.format ?? "json") === "json";
    this.#acks = c.acks === true;
    this.#ackTimeoutMs = (c.ackTimeout as number) * 1000;
    this.#connectTimeoutMs = (c.connectTimeout as number) * 1000;
    this.#idleTimeoutMs = (c.idleTimeout as number) * 1000;
    this.#flushTimeoutMs = (c.flushTimeout as number) * 1000;
    this.#pingIntervalMs = (c.pingInterval as number) * 1000;
    this.#reconnectInterval = c.reconnectInterval as number;
    this.#maxReconnectAttempts = c.maxReconnectAttempts as number;
    this.#cooldownMs = 1000 *
      ((c.reconnectCooldown as number | undefined) ?? Math.max(this.#reconnectInterval * 10, MIN_COOLDOWN_S));
    this.#queue = new BoundedQueue(c.maxQueueSize as number);
    Object.assign(this.stats, { connected: false, connections: 0, reconnects: 0, queued: 0 });
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
    if (this.#state === "closed") {
      this.recordDrop(1, "logged after shutdown");
      return;
    }
    if (this.#state === "failed") {
      if (Date.now() - this.#failedAt < this.#cooldownMs) {
        this.recordDrop(1, "endpoint unreachable after maxReconnectAttempts");
        return;
      }
      // The cool-down has passed: this record starts a fresh cycle of connection attempts.
      this.#state = "idle";
      this.#attempts = 0;
    }
    const evicted = this.#queue.push({ text: this.formatEntry(entry), source: entry.loggerName });
    if (evicted !== undefined) this.recordDrop(1, "buffer full (maxQueueSize), oldest records dropped");
    this.#handled++;
    this.#installHooks();
    if (this.#state === "idle") this.#connect();
    else if (this.#state === "open") this.#schedulePump();
  }

  /** Counters plus `connected`, `connections`, `reconnects` and `queued`. */
  override getStats(): BackendStats {
    this.stats.queued = this.#pendingRecords();
    return super.getStats();
  }

  /**
   * Resolves when every record taken so far has been handed to an open
   * socket and `bufferedAmount` has drained (with `acks`, when acknowledged),
   * when the backend gives up, or after `flushTimeout`.
   */
  override flush(): Promise<void> {
    return this.#flushWithin(this.#flushTimeoutMs, false);
  }

  /**
   * Flushes (at most `flushTimeout`), closes the connection with code 1000
   * and stops every timer. Records not delivered by then are counted as
   * dropped. Idempotent.
   */
  override shutdown(): Promise<void> {
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  async #shutdown(): Promise<void> {
    await this.#flushWithin(this.#flushTimeoutMs, true);
    const left = this.#pendingRecords();
    const ws = this.#ws;
    this.#ws = undefined;
    this.#state = "closed";
    this.#clearTimers();
    this.#queue.drain();
    this.#resend = [];
    this.#inFlight = [];
    this.stats.connected = false;
    this.recordDrop(left, "undelivered when shutdown's flushTimeout passed");
    for (const remove of this.#removeHooks ?? []) remove();
    this.#removeHooks = undefined;
    if (ws !== undefined) await closeSocket(ws, 1000, "shutdown");
  }

  // ---- connection life ----

  #connect(): void {
    if (this.#state !== "idle" && this.#state !== "waiting") return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#state = "connecting";
    let ws: WebSocket;
    try {
      ws = openWebSocket(this.#url, { headers: this.#headers, protocols: this.#protocols });
    } catch (e) {
      this.#lost(e);
      return;
    }
    this.#ws = ws;
    this.#connectTimer = this.#later(() => {
      if (ws === this.#ws && this.#state === "connecting") {
        this.#lost(new LoggerWebSocketError(`connecting to ${this.#safeUrl} timed out`));
      }
    }, this.#connectTimeoutMs);
    ws.onopen = () => {
      if (ws === this.#ws) this.#opened();
    };
    ws.onmessage = (event: MessageEvent) => {
      if (ws === this.#ws) this.#received(event.data);
    };
    ws.onerror = (event: Event) => {
      if (ws !== this.#ws) return;
      const detail = (event as ErrorEvent).message;
      this.#lost(new LoggerWebSocketError(`connection to ${this.#safeUrl} failed${detail ? `: ${detail}` : ""}`));
    };
    ws.onclose = (event: CloseEvent) => {
      if (ws !== this.#ws) return;
      this.#lost(
        new LoggerWebSocketError(
          `connection to ${this.#safeUrl} closed (code ${event.code}${event.reason ? `, ${event.reason}` : ""})`,
        ),
      );
    };
  }

  #opened(): void {
    clearTimeout(this.#connectTimer);
    this.#state = "open";
    this.healthy = true;
    if (this.#attempts > 0) (this.stats.reconnects as number)++;
    this.#attempts = 0;
    (this.stats.connections as number)++;
    this.stats.connected = true;
    this.#lastSendAt = Date.now();
    if (this.#pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#ping(), this.#pingIntervalMs);
      unrefTimer(this.#pingTimer);
    }
    this.#partialDue = true;
    this.#pump();
  }

  /** The connection failed or dropped: keep what was in flight for re-sending and reconnect. */
  #lost(error: unknown): void {
    const ws = this.#ws;
    this.#ws = undefined;
    const wasOpen = this.#state === "open";
    this.#stopConnectionTimers();
    this.stats.connected = false;
    if (ws !== undefined) {
      try {
        ws.close();
      } catch {
        // Already closing.
      }
    }
    this.#resend = this.#inFlight.concat(this.#resend);
    this.#inFlight = [];
    if (this.#state === "closed" || this.#state === "failed") {
      this.stats.lastError = describeError(error);
      return;
    }
    if (wasOpen && !this.#hasPending()) {
      // Nothing to send: not a failure yet; reconnect lazily on the next record.
      this.stats.lastError = describeError(error);
      this.#state = "idle";
      return;
    }
    // Unhealthy until a connection opens again; reported once per kind of failure.
    this.recordFailure(error, 0);
    this.#attempts++;
    if (this.#maxReconnectAttempts > 0 && this.#attempts > this.#maxReconnectAttempts) {
      this.#giveUp();
      return;
    }
    this.#state = "waiting";
    const delay = Math.max(
      MIN_RECONNECT_MS,
      backoffDelay(this.#attempts, {
        baseDelay: this.#reconnectInterval,
        factor: 2,
        maxDelay: Math.max(this.#reconnectInterval, MAX_RECONNECT_S),
        jitter: true,
      }),
    );
    this.#reconnectTimer = this.#later(() => this.#connect(), delay);
  }

  #giveUp(): void {
    this.#state = "failed";
    this.#failedAt = Date.now();
    this.healthy = false;
    const dropped = this.#pendingRecords();
    this.#queue.drain();
    this.#resend = [];
    this.#inFlight = [];
    const attempts = this.#maxReconnectAttempts;
    this.stats.lastError = `gave up after ${attempts} reconnect attempts: ${this.stats.lastError ?? "unknown error"}`;
    reportOnce(`${this.name}:websocket:gave-up`, `${this.name} backend ${this.stats.lastError}`);
    this.recordDrop(dropped, "endpoint unreachable after maxReconnectAttempts");
  }

  #received(data: unknown): void {
    if (!this.#acks || typeof data !== "string" || !data.includes('"ack"')) return;
    let id: unknown;
    try {
      const message = JSON.parse(data) as { type?: unknown; batch_id?: unknown };
      if (message.type !== "ack") return;
      id = message.batch_id;
    } catch {
      return;
    }
    const index = this.#inFlight.findIndex((m) => m.id === id);
    if (index < 0) return;
    const [message] = this.#inFlight.splice(index, 1);
    this.#delivered([message]);
    this.#pump();
  }

  #ping(): void {
    const ws = this.#ws;
    if (this.#state !== "open" || ws === undefined) return;
    if (Date.now() - this.#lastSendAt < this.#pingIntervalMs * 0.9) return;
    try {
      ws.send(`{"type":"ping","timestamp":"${new Date().toISOString()}"}`);
      this.#lastSendAt = Date.now();
    } catch (e) {
      this.#lost(e);
    }
  }

  // ---- sending ----

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    if (this.#batchTimeoutMs === 0 || this.#queue.size >= this.#batchSize) {
      this.#pumpScheduled = true;
      queueMicrotask(() => {
        this.#pumpScheduled = false;
        if (this.#batchTimeoutMs === 0) this.#partialDue = true;
        this.#pump();
      });
    } else if (this.#batchTimer === undefined) {
      this.#batchTimer = this.#later(() => {
        this.#batchTimer = undefined;
        this.#partialDue = true;
        this.#pump();
      }, this.#batchTimeoutMs);
    }
  }

  /** Sends re-sends first, then new messages, while the connection is open and the window has room. */
  #pump(): void {
    const ws = this.#ws;
    if (this.#state !== "open" || ws === undefined) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    while (this.#inFlight.length < MAX_IN_FLIGHT) {
      let message = this.#resend.shift();
      if (message === undefined) {
        if (this.#queue.size === 0) break;
        if (!this.#partialDue && this.#queue.size < this.#batchSize) {
          this.#schedulePump();
          break;
        }
        message = this.#build();
        if (message === undefined) continue;
      }
      try {
        ws.send(message.text);
      } catch (e) {
        this.#resend.unshift(message);
        this.#lost(e);
        return;
      }
      message.sentAt = Date.now();
      this.#lastSendAt = message.sentAt;
      this.#inFlight.push(message);
    }
    if (this.#queue.size === 0) this.#partialDue = false;
    if (this.#inFlight.length > 0) this.#startTick();
    else this.#maybeIdle();
  }

  /** The next message from the queue: up to `batchSize` records and `maxMessageSize` bytes. */
  #build(): Message | undefined {
    const id = `${this.#sessionId}-${++this.#seq}`;
    const max = this.#maxMessageSize;
    let item = this.#queue.shift();
    if (this.#recordMode) {
      if (item === undefined) return undefined;
      const text = this.#jsonFormat && item.text.startsWith("{")
        ? `{"type":"log","batch_id":"${id}",${item.text.slice(1)}`
        : `{"type":"log","batch_id":"${id}","source":${JSON.stringify(item.source)},"log":${
          JSON.stringify(item.text)
        }}`;
      const bytes = utf8Length(text);
      if (bytes > max) {
        this.recordDrop(1, "record larger than maxMessageSize");
        return undefined;
      }
      return { id, text, bytes, count: 1, sentAt: 0 };
    }
    if (item === undefined) return undefined;
    const head = `{"type":"log_batch","batch_id":"${id}","timestamp":"${new Date().toISOString()}","source":${
      JSON.stringify(item.source)
    },"count":`;
    // Head, up to 10 count digits, `,"logs":[` and `]}`.
    const overhead = utf8Length(head) + 10 + 9 + 2;
    const parts: string[] = [];
    let bytes = overhead;
    while (item !== undefined) {
      const log = this.#jsonFormat ? item.text : JSON.stringify(item.text);
      const size = utf8Length(log);
      if (overhead + size > max) {
        this.recordDrop(1, "record larger than maxMessageSize");
      } else if (parts.length > 0 && bytes + 1 + size > max) {
        this.#queue.unshiftAll([item]);
        break;
      } else {
        bytes += size + (parts.length > 0 ? 1 : 0);
        parts.push(log);
        if (parts.length >= this.#batchSize) break;
      }
      item = this.#queue.shift();
    }
    if (parts.length === 0) return undefined;
    const text = `${head}${parts.length},"logs":[${parts.join(",")}]}`;
    return { id, text, bytes: utf8Length(text), count: parts.length, sentAt: 0 };
  }

  /** While messages are in flight: release drained ones (no acks) or detect a silent server (acks). */
  #startTick(): void {
    if (this.#tickTimer !== undefined) return;
    this.#tickTimer = setInterval(() => this.#tick(), this.#acks ? 25 : 5);
    unrefTimer(this.#tickTimer);
  }

  #tick(): void {
    const ws = this.#ws;
    if (this.#state !== "open" || ws === undefined || this.#inFlight.length === 0) {
      clearInterval(this.#tickTimer);
      this.#tickTimer = undefined;
      if (this.#state === "open") this.#maybeIdle();
      return;
    }
    if (!this.#acks) {
      if (ws.bufferedAmount === 0) {
        const done = this.#inFlight;
        this.#inFlight = [];
        this.#delivered(done);
        this.#pump();
      }
    } else if (Date.now() - this.#inFlight[0].sentAt > this.#ackTimeoutMs) {
      this.#lost(new LoggerWebSocketError(`no ack from ${this.#safeUrl} within ackTimeout`));
    }
  }

  #delivered(messages: Message[]): void {
    for (const m of messages) {
      this.stats.messagesWritten += m.count;
      this.stats.bytesWritten += m.bytes;
    }
  }

  /** Closes an idle connection after `idleTimeout`, so the process can exit. */
  #maybeIdle(): void {
    if (this.#idleTimeoutMs <= 0 || this.#idleTimer !== undefined || this.#hasPending()) return;
    this.#idleTimer = this.#later(() => {
      this.#idleTimer = undefined;
      const ws = this.#ws;
      if (this.#state !== "open" || ws === undefined || this.#hasPending()) return;
      this.#ws = undefined;
      this.#stopConnectionTimers();
      this.#state = "idle";
      this.stats.connected = false;
      void closeSocket(ws, 1000, "idle");
    }, this.#idleTimeoutMs);
  }

  // ---- flush, exit ----

  async #flushWithin(timeoutMs: number, urgent: boolean): Promise<void> {
    if (this.#state === "closed" || this.#state === "failed" || !this.#hasPending()) return;
    this.#partialDue = true;
    if (this.#state === "idle" || (urgent && this.#state === "waiting")) this.#connect();
    else if (this.#state === "open") this.#pump();
    const end = Date.now() + timeoutMs;
    while (this.#hasPending() && !this.#finished() && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.#state === "open") this.#pump();
    }
  }

  #installHooks(): void {
    if (this.#removeHooks !== undefined) return;
    this.#removeHooks = [
      // The event loop emptied with records still buffered (waiting to reconnect): try once more.
      onBeforeExit(() => {
        if (this.#state === "closed" || this.#state === "failed" || !this.#hasPending()) return;
        if (this.#exitFlushHandled === this.#handled) return;
        this.#exitFlushHandled = this.#handled;
        return this.#flushWithin(this.#flushTimeoutMs, true);
      }),
      onExit(() => {
        if (this.#state !== "closed") this.recordDrop(this.#pendingRecords(), "undelivered at process exit");
      }),
    ];
  }

  /** Gave up or shut down: nothing more will be delivered. */
  #finished(): boolean {
    return this.#state === "failed" || this.#state === "closed";
  }

  #hasPending(): boolean {
    return this.#queue.size > 0 || this.#resend.length > 0 || this.#inFlight.length > 0;
  }

  #pendingRecords(): number {
    let n = this.#queue.size;
    for (const m of this.#resend) n += m.count;
    for (const m of this.#inFlight) n += m.count;
    return n;
  }

  #later(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const id = setTimeout(fn, ms);
    unrefTimer(id);
    return id;
  }

  #stopConnectionTimers(): void {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#idleTimer);
    clearInterval(this.#pingTimer);
    clearInterval(this.#tickTimer);
    this.#connectTimer =
      this.#idleTimer =
      this.#pingTimer =
      this.#tickTimer =
        undefined;
  }

  #clearTimers(): void {
    this.#stopConnectionTimers();
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#reconnectTimer);
    this.#batchTimer = this.#reconnectTimer = undefined;
  }
}

/** Closes a socket and resolves once it is closed (at most one second later). */
function closeSocket(ws: WebSocket, code: number, reason: string): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === 3) return resolve();
    const timer = setTimeout(resolve, 1000);
    unrefTimer(timer);
    ws.addEventListener("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.onopen =
      ws.onmessage =
      ws.onerror =
      ws.onclose =
        null;
    try {
      ws.close(code, reason);
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
