/**
 * A WebSocket test server on the current runtime's own server API
 * (`Deno.upgradeWebSocket`, `Bun.serve` websocket), and on Node a minimal
 * RFC 6455 server over `node:http` upgrade (text frames, close, ping).
 * It records every handshake and every text message, can acknowledge
 * batches (`{"type":"ack","batch_id"}`), and can be killed and restarted on
 * the same port.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { freePort, runtime } from "./_helpers.ts";

export { freePort };

/** One WebSocket handshake as the server saw it. */
export interface Handshake {
  /** Path and query. */
  path: string;
  /** Request headers, names in lower case. */
  headers: Record<string, string>;
}

/** Options of {@link wsServer}. */
export interface WsServerOptions {
  /** Port; a free one when not given. */
  port?: number;
  /** Answer each message that has a `batch_id` with an ack. */
  acks?: boolean;
  /** Start listening now (default true). */
  listen?: boolean;
  /** Die once (without acking) right after recording this many messages. */
  dieAfter?: number;
  /** Close each connection with this code right after recording its first log message (ignoring the rest). */
  closeEach?: number;
}

/** A running (or stopped) test server. */
export interface WsTestServer {
  readonly port: number;
  readonly url: string;
  readonly handshakes: Handshake[];
  /** Every text message recorded, in arrival order, across restarts. */
  readonly messages: string[];
  /** Close codes sent by clients. */
  readonly closeCodes: number[];
  /** Whether it is listening. */
  readonly running: boolean;
  /** Starts listening (again) on the same port. */
  start(): Promise<void>;
  /** Stops at once: records nothing more, drops connections, stops listening. */
  kill(): Promise<void>;
}

/** The `batch_id` of a message, if it has one. */
export function batchIdOf(message: string): string | undefined {
  try {
    const id = (JSON.parse(message) as { batch_id?: unknown }).batch_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

interface Driver {
  listen(port: number): Promise<void>;
  stop(): Promise<void>;
}

interface Hooks {
  handshake(h: Handshake): void;
  /** Records a message; returns the ack to send, "die", or undefined. */
  message(text: string): string | undefined;
  close(code: number): void;
}

/** Starts a WebSocket server on 127.0.0.1. */
export async function wsServer(options: WsServerOptions = {}): Promise<WsTestServer> {
  const port = options.port ?? await freePort();
  const handshakes: Handshake[] = [];
  const messages: string[] = [];
  const closeCodes: number[] = [];
  let running = false;
  let runCount = 0;
  let dieAfter = options.dieAfter;
  let driver: Driver | undefined;
  const die = () => {
    if (!running) return;
    running = false;
    void driver?.stop();
  };
  const hooks: Hooks = {
    handshake: (h) => {
      if (running) handshakes.push(h);
    },
    message: (text) => {
      if (!running) return undefined;
      messages.push(text);
      runCount++;
      if (dieAfter !== undefined && runCount >= dieAfter) {
        dieAfter = undefined;
        return "die";
      }
      if (options.closeEach !== undefined && batchIdOf(text) !== undefined) return `close:${options.closeEach}`;
      if (!options.acks) return undefined;
      const id = batchIdOf(text);
      return id === undefined ? undefined : JSON.stringify({ type: "ack", batch_id: id });
    },
    close: (code) => closeCodes.push(code),
  };
  const server: WsTestServer = {
    port,
    url: `ws://127.0.0.1:${port}`,
    handshakes,
    messages,
    closeCodes,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      driver = runtime === "deno"
        ? denoDriver(hooks, die)
        : runtime === "bun"
        ? bunDriver(hooks, die)
        : nodeDriver(hooks, die);
      await driver.listen(port);
      runCount = 0;
      running = true;
    },
    async kill() {
      running = false;
      await driver?.stop();
    },
  };
  if (options.listen !== false) await server.start();
  return server;
}

function firstProtocol(header: string | null | undefined): string | undefined {
  const p = header?.split(",")[0]?.trim();
  return p ? p : undefined;
}

// ---- Deno ----

interface DenoServe {
  serve(
    options: { hostname: string; port: number; signal: AbortSignal; onListen: () => void },
    handler: (req: Request) => Response,
  ): { finished: Promise<void> };
  upgradeWebSocket(req: Request, options?: { protocol?: string }): { socket: WebSocket; response: Response };
}

function denoDriver(hooks: Hooks, die: () => void): Driver {
  const D = (globalThis as unknown as { Deno: DenoServe }).Deno;
  const sockets = new Set<WebSocket>();
  let abort: AbortController | undefined;
  let finished: Promise<void> | undefined;
  return {
    listen(port) {
      return new Promise((resolve) => {
        abort = new AbortController();
        const served = D.serve(
          { hostname: "127.0.0.1", port, signal: abort.signal, onListen: () => resolve() },
          (req) => {
            if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
              return new Response("websocket only", { status: 400 });
            }
            const headers: Record<string, string> = {};
            req.headers.forEach((v, k) => headers[k] = v);
            const url = new URL(req.url);
            hooks.handshake({ path: url.pathname + url.search, headers });
            const protocol = firstProtocol(req.headers.get("sec-websocket-protocol"));
            const { socket, response } = D.upgradeWebSocket(req, protocol ? { protocol } : {});
            sockets.add(socket);
            let closing = false;
            socket.onmessage = (e) => {
              if (typeof e.data !== "string" || closing) return;
              const reply = hooks.message(e.data);
              if (reply === "die") die();
              else if (reply?.startsWith("close:")) {
                closing = true;
                socket.close(Number(reply.slice(6)), "closed by the test server");
              } else if (reply !== undefined && socket.readyState === 1) socket.send(reply);
            };
            socket.onclose = (e) => {
              sockets.delete(socket);
              hooks.close(e.code);
            };
            socket.onerror = () => {};
            return response;
          },
        );
        finished = served.finished;
      });
    },
    async stop() {
      for (const s of sockets) {
        try {
          s.close(1012, "restart");
        } catch {
          // Already closing.
        }
      }
      sockets.clear();
      abort?.abort();
      await Promise.race([finished, new Promise((r) => setTimeout(r, 500))]);
    },
  };
}

// ---- Bun ----

interface BunSocket {
  send(text: string): void;
  close(code?: number): void;
  terminate?(): void;
}
interface BunServe {
  serve(options: {
    hostname: string;
    port: number;
    fetch(
      req: Request,
      server: { upgrade(req: Request, o?: { headers?: Record<string, string> }): boolean },
    ): Response | undefined;
    websocket: {
      open(ws: BunSocket): void;
      message(ws: BunSocket, data: string | Uint8Array): void;
      close(ws: BunSocket, code: number): void;
    };
  }): { stop(closeActive?: boolean): void };
}

function bunDriver(hooks: Hooks, die: () => void): Driver {
  const B = (globalThis as unknown as { Bun: BunServe }).Bun;
  const sockets = new Set<BunSocket>();
  const closing = new WeakSet<BunSocket>();
  let server: { stop(closeActive?: boolean): void } | undefined;
  return {
    listen(port) {
      server = B.serve({
        hostname: "127.0.0.1",
        port,
        fetch(req, srv) {
          const headers: Record<string, string> = {};
          req.headers.forEach((v, k) => headers[k] = v);
          const url = new URL(req.url);
          hooks.handshake({ path: url.pathname + url.search, headers });
          const protocol = firstProtocol(req.headers.get("sec-websocket-protocol"));
          if (srv.upgrade(req, protocol ? { headers: { "Sec-WebSocket-Protocol": protocol } } : {})) return undefined;
          return new Response("websocket only", { status: 400 });
        },
        websocket: {
          open(ws) {
            sockets.add(ws);
          },
          message(ws, data) {
            if (typeof data !== "string" || closing.has(ws)) return;
            const reply = hooks.message(data);
            if (reply === "die") die();
            else if (reply?.startsWith("close:")) {
              closing.add(ws);
              ws.close(Number(reply.slice(6)));
            } else if (reply !== undefined) ws.send(reply);
          },
          close(ws, code) {
            sockets.delete(ws);
            hooks.close(code);
          },
        },
      });
      return Promise.resolve();
    },
    stop() {
      for (const s of sockets) {
        try {
          if (s.terminate) s.terminate();
          else s.close(1012);
        } catch {
          // Already gone.
        }
      }
      sockets.clear();
      server?.stop(true);
      return Promise.resolve();
    },
  };
}

// ---- Node: RFC 6455 over node:http upgrade ----

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (len < 126) head[1] = len;
  else if (len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

function nodeDriver(hooks: Hooks, die: () => void): Driver {
  const sockets = new Set<Socket>();
  const http = createHttpServer((_req, res) => {
    res.statusCode = 400;
    res.end("websocket only");
  });
  http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
    hooks.handshake({ path: req.url ?? "/", headers });
    const key = headers["sec-websocket-key"];
    if (!key) {
      socket.destroy();
      return;
    }
    const accept = createHash("sha1").update(key + GUID).digest("base64");
    const protocol = firstProtocol(headers["sec-websocket-protocol"]);
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n` + (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") + "\r\n",
    );
    socket.setNoDelay(true);
    sockets.add(socket);
    let buf: Buffer = head.length > 0 ? Buffer.from(head) : Buffer.alloc(0);
    let fragments: Buffer[] = [];
    let closed = false;
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (!closed) hooks.close(1006);
    });
    socket.on("data", (data: Buffer) => {
      if (closed) return;
      buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
      while (buf.length >= 2) {
        const fin = (buf[0] & 0x80) !== 0;
        const opcode = buf[0] & 0x0f;
        const masked = (buf[1] & 0x80) !== 0;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        const maskOff = off;
        if (masked) off += 4;
        if (buf.length < off + len) return;
        const payload = Buffer.from(buf.subarray(off, off + len));
        if (masked) { for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i & 3)]; }
        buf = buf.subarray(off + len);
        if (opcode === 0x1 || opcode === 0x0) {
          fragments.push(payload);
          if (!fin) continue;
          const text = Buffer.concat(fragments).toString("utf8");
          fragments = [];
          const reply = hooks.message(text);
          if (reply === "die") return die();
          if (reply?.startsWith("close:")) {
            const code = Buffer.alloc(2);
            code.writeUInt16BE(Number(reply.slice(6)));
            closed = true;
            hooks.close(Number(reply.slice(6)));
            socket.end(frame(0x8, code));
            return;
          }
          if (reply !== undefined) socket.write(frame(0x1, Buffer.from(reply)));
        } else if (opcode === 0x8) {
          closed = true;
          hooks.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
          socket.end(frame(0x8, payload.subarray(0, 2)));
          return;
        } else if (opcode === 0x9) {
          socket.write(frame(0xa, payload));
        }
      }
    });
  });
  return {
    listen(port) {
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, "127.0.0.1", () => resolve());
      });
    },
    stop() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      return new Promise((resolve) => http.close(() => resolve()));
    },
  };
}
