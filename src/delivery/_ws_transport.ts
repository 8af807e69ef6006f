/**
 * The WebSocket transport: one batch = one message (or one message per
 * record), sent over a connection opened on demand and closed when idle.
 *
 * With acks a batch is delivered when the server answers
 * `{"type":"ack","batch_id":…}`. Without acks it is delivered once the
 * socket's `bufferedAmount` has drained and the connection stayed open a
 * moment longer; a batch on a connection that closes before then is sent
 * again on the next one, unchanged. After such a close, messages go one at
 * a time until one is confirmed, and a message alone on a connection that
 * the server then closes counts as received: the server closed after
 * reading it, so re-sending it could only repeat (no re-send storm).
 */
import { LoggerWebSocketError } from "../errors.ts";
import { describeError } from "../report.ts";
import { unrefTimer } from "../runtime/runtime.ts";
import { openWebSocket } from "../runtime/websocket.ts";
import type { BackendStats } from "../backends/base.ts";
import { later, within } from "./_lifecycle.ts";
import type { Batch, Outcome, Transport } from "./_transport.ts";

/** How long a drained message's connection must stay open before it counts as received (no acks). */
const LINGER_MS = 50;

/** UTF-8 byte length of a string, without encoding it. */
export function utf8Length(text: string): number {
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

/** What the WebSocket transport needs to know; times in milliseconds. */
export interface WsTransportOptions {
  url: string;
  safeUrl: string;
  headers: Record<string, string>;
  protocols: string[];
  recordMode: boolean;
  /** Lines are record JSON (else `{"source","log"}` wrappers of formatted text). */
  jsonLines: boolean;
  maxMessageSize: number;
  acks: boolean;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  pingIntervalMs: number;
  stats: BackendStats;
  /** A connection opened (healthy again). */
  opened(): void;
}

interface Message {
  ids: string[];
  texts: string[];
  bytes: number;
}

interface Pending {
  batch: Batch;
  message: Message;
  ws: WebSocket;
  acked: Set<string>;
  sentAt: number;
  drainedAt: number;
  resolve(outcome: Outcome): void;
}

/** Sends batches as WebSocket messages. */
export class WsTransport implements Transport {
  #o: WsTransportOptions;
  #session = randomId();
  #seq = 0;
  #ws: WebSocket | undefined;
  #opening: Promise<WebSocket> | undefined;
  #pending = new Set<Pending>();
  #probing = false;
  #turns: (() => void)[] = [];
  #probeBusy = false;
  #tick: ReturnType<typeof setInterval> | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #ping: ReturnType<typeof setInterval> | undefined;
  #lastSend = 0;
  #lostOne = false;
  #closed = false;

  constructor(options: WsTransportOptions) {
    this.#o = options;
  }

  newKey(): string {
    return `${this.#session}-${++this.#seq}`;
  }

  #build(batch: Batch): Message {
    const cached = batch.body as Message | undefined;
    if (cached !== undefined) return cached;
    const o = this.#o;
    const parts = batch.lines.map((line) => {
      if (o.jsonLines) return { log: line, source: sourceOf(line) };
      const w = JSON.parse(line) as { source: string; log: string };
      return { log: JSON.stringify(w.log), source: w.source };
    });
    let message: Message;
    if (o.recordMode) {
      const ids = parts.map((_, i) => (i === 0 ? batch.key : `${batch.key}.${i}`));
      const texts = parts.map((p, i) =>
        o.jsonLines && p.log.startsWith("{")
          ? `{"type":"log","batch_id":"${ids[i]}",${p.log.slice(1)}`
          : `{"type":"log","batch_id":"${ids[i]}","source":${JSON.stringify(p.source)},"log":${p.log}}`
      );
      message = { ids, texts, bytes: texts.reduce((n, t) => Math.max(n, utf8Length(t)), 0) };
    } else {
      const text = `{"type":"log_batch","batch_id":"${batch.key}","timestamp":"${new Date().toISOString()}","source":${
        JSON.stringify(parts[0]?.source ?? "")
      },"count":${parts.length},"logs":[${parts.map((p) => p.log).join(",")}]}`;
      message = { ids: [batch.key], texts: [text], bytes: utf8Length(text) };
    }
    batch.body = message;
    return message;
  }

  async send(batch: Batch, signal: AbortSignal): Promise<Outcome> {
    const message = this.#build(batch);
    if (message.bytes > this.#o.maxMessageSize) {
      return {
        kind: "retry",
        reachable: true,
        tooLarge: true,
        error: new LoggerWebSocketError(`a message of ${message.bytes} bytes exceeds maxMessageSize`),
      };
    }
    const probe = this.#probing && !this.#o.acks;
    if (probe) await this.#turn();
    try {
      if (signal.aborted) return { kind: "retry", reachable: false, error: new LoggerWebSocketError("aborted") };
      let ws: WebSocket;
      try {
        ws = await this.#connect();
      } catch (e) {
        return { kind: "retry", reachable: false, error: e as Error };
      }
      return await new Promise<Outcome>((resolve) => {
        const p: Pending = { batch, message, ws, acked: new Set(), sentAt: Date.now(), drainedAt: 0, resolve };
        const onAbort = () => this.#settle(p, { kind: "retry", reachable: false, error: new Error("aborted") });
        signal.addEventListener("abort", onAbort, { once: true });
        p.resolve = (outcome) => {
          signal.removeEventListener("abort", onAbort);
          resolve(outcome);
        };
        this.#pending.add(p);
        try {
          for (const text of message.texts) ws.send(text);
        } catch (e) {
          this.#lost(ws, new LoggerWebSocketError(`sending to ${this.#o.safeUrl} failed: ${String(e)}`), false);
          return;
        }
        this.#lastSend = Date.now();
        this.#startTick();
      });
    } finally {
      if (probe) this.#nextTurn();
    }
  }

  /** While probing, one message at a time. */
  #turn(): Promise<void> {
    if (!this.#probeBusy) {
      this.#probeBusy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#turns.push(resolve));
  }

  #nextTurn(): void {
    const next = this.#turns.shift();
    if (next !== undefined) next();
    else this.#probeBusy = false;
  }

  #settle(p: Pending, outcome: Outcome): void {
    if (!this.#pending.delete(p)) return;
    p.resolve(outcome);
    if (this.#pending.size === 0) this.#armIdle();
  }

  #connect(): Promise<WebSocket> {
    if (this.#ws !== undefined && this.#ws.readyState === 1) return Promise.resolve(this.#ws);
    return this.#opening ??= new Promise<WebSocket>((resolve, reject) => {
      const o = this.#o;
      let ws: WebSocket;
      try {
        ws = openWebSocket(o.url, { headers: o.headers, protocols: o.protocols });
      } catch (e) {
        this.#opening = undefined;
        reject(new LoggerWebSocketError(`connecting to ${o.safeUrl} failed: ${String(e)}`));
        return;
      }
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (this.#opening === undefined) return;
        this.#opening = undefined;
        this.#lostOne = true;
        closeQuietly(ws);
        reject(error);
      };
      const timer = later(
        () => fail(new LoggerWebSocketError(`connecting to ${o.safeUrl} timed out`)),
        o.connectTimeoutMs,
      );
      ws.onerror = (event: Event) => {
        const detail = (event as ErrorEvent).message;
        fail(new LoggerWebSocketError(`connection to ${o.safeUrl} failed${detail ? `: ${detail}` : ""}`));
      };
      ws.onclose = (event: CloseEvent) =>
        fail(new LoggerWebSocketError(`connection to ${o.safeUrl} closed (code ${event.code})`));
      ws.onopen = () => {
        clearTimeout(timer);
        this.#opening = undefined;
        this.#opened(ws);
        resolve(ws);
      };
    });
  }

  #opened(ws: WebSocket): void {
    const o = this.#o;
    this.#ws = ws;
    const stats = o.stats;
    stats.connections = (stats.connections as number) + 1;
    if (this.#lostOne) stats.reconnects = (stats.reconnects as number) + 1;
    this.#lostOne = false;
    stats.connected = true;
    o.opened();
    ws.onmessage = (event: MessageEvent) => this.#received(event.data);
    ws.onerror = () => this.#lost(ws, new LoggerWebSocketError(`connection to ${o.safeUrl} failed`), false);
    ws.onclose = (event: CloseEvent) => {
      const reason = `code ${event.code}${event.reason ? `, ${event.reason}` : ""}`;
      this.#lost(ws, new LoggerWebSocketError(`connection to ${o.safeUrl} closed (${reason})`), event.code !== 1006);
    };
    this.#lastSend = Date.now();
    if (o.pingIntervalMs > 0) {
      this.#ping = setInterval(() => this.#sendPing(ws), o.pingIntervalMs);
      unrefTimer(this.#ping);
    }
    this.#armIdle();
  }

  /** The connection ended: what it carried unconfirmed is sent again on the next one. */
  #lost(ws: WebSocket, error: Error, serverClosed: boolean): void {
    if (ws !== this.#ws) return;
    this.#ws = undefined;
    this.#stopTimers();
    this.#o.stats.connected = false;
    // Kept even when nothing was in flight: the next record reconnects.
    this.#o.stats.lastError = describeError(error);
    closeQuietly(ws);
    const mine = [...this.#pending].filter((p) => p.ws === ws);
    if (mine.length === 0) return;
    this.#lostOne = true;
    // The close may come before the next drain check: what the socket no longer buffers was handed over.
    if (ws.bufferedAmount === 0) { for (const p of mine) p.drainedAt ||= Date.now(); }
    if (this.#probing && mine.length === 1 && mine[0].drainedAt > 0 && serverClosed && !this.#o.acks) {
      // Alone on the connection, handed over, then the server closed: it read it.
      this.#settle(mine[0], { kind: "delivered", bytes: mine[0].message.bytes });
      return;
    }
    if (!this.#o.acks) this.#probing = true;
    for (const p of mine) this.#settle(p, { kind: "retry", reachable: true, error });
  }

  #received(data: unknown): void {
    if (!this.#o.acks || typeof data !== "string" || !data.includes('"ack"')) return;
    let id: unknown;
    try {
      const message = JSON.parse(data) as { type?: unknown; batch_id?: unknown };
      if (message.type !== "ack") return;
      id = message.batch_id;
    } catch {
      return;
    }
    for (const p of this.#pending) {
      if (typeof id !== "string" || !p.message.ids.includes(id)) continue;
      p.acked.add(id);
      if (p.acked.size === p.message.ids.length) this.#settle(p, { kind: "delivered", bytes: p.message.bytes });
      return;
    }
  }

  /** While messages are pending: confirm drained ones (no acks) or detect a silent server (acks). */
  #startTick(): void {
    if (this.#tick !== undefined) return;
    clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#tick = setInterval(() => this.#check(), 5);
    unrefTimer(this.#tick);
  }

  #check(): void {
    const ws = this.#ws;
    if (ws === undefined || this.#pending.size === 0) {
      clearInterval(this.#tick);
      this.#tick = undefined;
      return;
    }
    const now = Date.now();
    if (this.#o.acks) {
      for (const p of this.#pending) {
        if (now - p.sentAt > this.#o.ackTimeoutMs) {
          this.#lost(ws, new LoggerWebSocketError(`no ack from ${this.#o.safeUrl} within ackTimeout`), false);
          return;
        }
      }
      return;
    }
    const drained = ws.bufferedAmount === 0;
    for (const p of this.#pending) {
      if (p.ws !== ws) continue;
      if (p.drainedAt === 0) {
        if (drained) p.drainedAt = now;
      } else if (now - p.drainedAt >= LINGER_MS) {
        this.#probing = false;
        this.#settle(p, { kind: "delivered", bytes: p.message.bytes });
      }
    }
  }

  #sendPing(ws: WebSocket): void {
    if (ws !== this.#ws || Date.now() - this.#lastSend < this.#o.pingIntervalMs * 0.9) return;
    try {
      ws.send(`{"type":"ping","timestamp":"${new Date().toISOString()}"}`);
      this.#lastSend = Date.now();
    } catch (e) {
      this.#lost(ws, e as Error, false);
    }
  }

  /** Closes an idle connection after `idleTimeout`, so the process can exit. */
  #armIdle(): void {
    if (this.#o.idleTimeoutMs <= 0 || this.#idle !== undefined || this.#pending.size > 0) return;
    this.#idle = later(() => {
      this.#idle = undefined;
      const ws = this.#ws;
      if (ws === undefined || this.#pending.size > 0) return;
      this.#ws = undefined;
      this.#stopTimers();
      this.#o.stats.connected = false;
      void closeSocket(ws, 1000, "idle", 1000);
    }, this.#o.idleTimeoutMs);
  }

  #stopTimers(): void {
    clearInterval(this.#tick);
    clearInterval(this.#ping);
    clearTimeout(this.#idle);
    this.#tick = this.#ping = this.#idle = undefined;
  }

  /** Waits for the socket to drain, then closes it with 1000 and waits for the close handshake (within `ms`). */
  async close(ms: number): Promise<void> {
    this.#closed = true;
    const ws = this.#ws;
    this.#ws = undefined;
    this.#stopTimers();
    this.#o.stats.connected = false;
    for (const p of [...this.#pending]) {
      this.#settle(p, { kind: "retry", reachable: false, error: new LoggerWebSocketError("closed") });
    }
    if (ws === undefined) return;
    const end = Date.now() + ms;
    await within(
      (async () => {
        while (ws.readyState === 1 && ws.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 5));
      })(),
      ms,
    );
    await closeSocket(ws, 1000, "shutdown", Math.max(0, end - Date.now()));
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }
}

/** The `logger_name` of a record's JSON text, read without parsing all of it. */
function sourceOf(line: string): string {
  const m = /"logger_name":("(?:[^"\\]|\\.)*")/.exec(line);
  if (m === null) return "";
  try {
    return JSON.parse(m[1]) as string;
  } catch {
    return "";
  }
}

/** Closes a socket and resolves once it is closed (at most `ms` later). */
function closeSocket(ws: WebSocket, code: number, reason: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === 3) return resolve();
    const timer = later(resolve, ms);
    ws.onopen =
      ws.onmessage =
      ws.onerror =
      ws.onclose =
        null;
    ws.addEventListener("close", () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      ws.close(code, reason);
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Closes a socket whose events no longer matter: its handlers are removed first, and a close that throws is ignored. */
function closeQuietly(ws: WebSocket): void {
  ws.onopen =
    ws.onerror =
    ws.onclose =
    ws.onmessage =
      null;
  try {
    ws.close();
  } catch {
    // Not open yet, or already closing.
  }
}
