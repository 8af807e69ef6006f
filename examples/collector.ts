/**
 * A small log collector on `Deno.serve`: a REST endpoint (jinpy JSON,
 * NDJSON, gzip, encrypted envelopes), a WebSocket endpoint, and a live page
 * fed by Server-Sent Events. Used by the demo and the examples.
 *
 * deno run -A examples/collector.ts   # prints its URL and serves until Ctrl-C
 */
import { decryptPayload, type LogRecord } from "../mod.ts";
import { PAGE_HTML } from "./page.ts";

/** What the collector has received, per source (the path segment or "ws"). */
export interface Received {
  /** Records per source, in arrival order. */
  records: Map<string, LogRecord[]>;
  /** Requests or messages per source. */
  batches: Map<string, number>;
  /** Requests answered 503 during an outage. */
  refused: number;
}

/** A running collector. */
export interface Collector {
  /** The page URL. */
  url: string;
  /** REST endpoint for a source name: `${url}api/logs/<source>`. */
  restUrl(source: string): string;
  /** WebSocket endpoint for a source name. */
  wsUrl(source: string): string;
  received: Received;
  /** Answer 503 to REST requests for `ms` milliseconds. */
  outage(ms: number): void;
  /** Close every open WebSocket (the clients should reconnect). */
  dropWebSockets(): number;
  /** Send a named event with data to every page. */
  publish(event: string, data: unknown): void;
  /** Stop serving. */
  close(): Promise<void>;
}

/** Options of {@link startCollector}. */
export interface CollectorOptions {
  port?: number;
  hostname?: string;
  /** Passphrase to decrypt encrypted bodies. */
  encryptionKey?: string;
}

function countLevels(records: LogRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.level] = (out[r.level] ?? 0) + 1;
  return out;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "*",
};

/** Starts a collector on 127.0.0.1 with a free port by default. */
export function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const received: Received = { records: new Map(), batches: new Map(), refused: 0 };
  const pages = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const sockets = new Set<WebSocket>();
  const encoder = new TextEncoder();
  let outageUntil = 0;

  const publish = (event: string, data: unknown) => {
    const chunk = encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const c of pages) {
      try {
        c.enqueue(chunk);
      } catch {
        pages.delete(c);
      }
    }
  };

  const levels = new Map<string, number>();
  const recent: { source: string; record: LogRecord }[] = [];
  const accept = (source: string, records: LogRecord[]) => {
    let list = received.records.get(source);
    if (!list) received.records.set(source, list = []);
    for (const r of records) {
      list.push(r);
      levels.set(r.level, (levels.get(r.level) ?? 0) + 1);
      recent.push({ source, record: r });
    }
    if (recent.length > 400) recent.splice(0, recent.length - 200);
    received.batches.set(source, (received.batches.get(source) ?? 0) + 1);
    publish("records", { source, count: records.length, levels: countLevels(records), records: records.slice(-50) });
  };
  // A page that connects late starts from the totals so far.
  const snapshot = () => ({
    sources: [...received.records].map(([s, list]) => [s, list.length, received.batches.get(s) ?? 0]),
    levels: [...levels],
    recent: recent.slice(-200),
  });

  const parseBody = async (req: Request): Promise<LogRecord[]> => {
    let stream: ReadableStream<Uint8Array> = req.body ?? new Blob([]).stream();
    if ((req.headers.get("content-encoding") ?? "").includes("gzip")) {
      stream = stream.pipeThrough(
        new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
      );
    }
    let text = await new Response(stream).text();
    if (text.startsWith("{") && text.includes('"ciphertext"')) {
      text = await decryptPayload(text, options.encryptionKey ?? "");
    }
    const trimmed = text.trim();
    if (trimmed.startsWith("{") && !trimmed.includes("\n")) {
      const body = JSON.parse(trimmed);
      if (Array.isArray(body.logs)) return body.logs;
      return [body];
    }
    return trimmed.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  };

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "api" && req.method === "OPTIONS") {
      // Browsers ask before a cross-origin JSON POST.
      return new Response(null, { status: 204, headers: CORS });
    }
    if (parts[0] === "api" && parts[1] === "logs" && req.method === "POST") {
      const source = parts[2] ?? "rest";
      if (Date.now() < outageUntil) {
        received.refused++;
        await req.body?.cancel();
        return new Response("collector in maintenance", { status: 503, headers: { ...CORS, "Retry-After": "0" } });
      }
      try {
        accept(source, await parseBody(req));
        return new Response(null, { status: 204, headers: CORS });
      } catch (e) {
        return new Response(`bad body: ${(e as Error).message}`, { status: 400, headers: CORS });
      }
    }
    if (parts[0] === "ws") {
      const source = parts[1] ?? "ws";
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => sockets.add(socket);
      socket.onclose = () => sockets.delete(socket);
      socket.onmessage = (ev) => {
        try {
          const msg = JSON.parse(String(ev.data));
          if (msg.type === "log_batch") accept(source, msg.logs);
          else if (msg.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
          else if (msg.timestamp && msg.level) accept(source, [msg]);
        } catch {
          // Not JSON: ignore.
        }
      };
      return response;
    }
    if (url.pathname === "/events") {
      let ctl!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          ctl = c;
          pages.add(c);
          c.enqueue(encoder.encode(`event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`));
        },
        cancel() {
          pages.delete(ctl);
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    }
    if (url.pathname === "/" || url.pathname === "/index.html") {
      return new Response(PAGE_HTML, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    return new Response("not found", { status: 404 });
  });

  const base = `http://${server.addr.hostname}:${server.addr.port}/`;
  return Promise.resolve({
    url: base,
    restUrl: (source) => `${base}api/logs/${source}`,
    wsUrl: (source) => `ws://${server.addr.hostname}:${server.addr.port}/ws/${source}`,
    received,
    outage(ms) {
      outageUntil = Date.now() + ms;
    },
    dropWebSockets() {
      const n = sockets.size;
      for (const s of sockets) s.close(4000, "collector dropped the connection");
      return n;
    },
    publish,
    async close() {
      for (const c of pages) {
        try {
          c.close();
        } catch {
          // Already closed.
        }
      }
      pages.clear();
      for (const s of sockets) s.close();
      await server.shutdown();
    },
  });
}

if (import.meta.main) {
  const collector = await startCollector({ port: Number(Deno.args[0] ?? 0) });
  console.log(`collector: ${collector.url}  (REST ${collector.restUrl("app")}, WebSocket ${collector.wsUrl("app")})`);
}
