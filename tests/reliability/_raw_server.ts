/**
 * A raw TCP server on `node:net` (the same on every runtime) for faults the
 * runtimes' HTTP servers cannot produce: a connection reset in the middle of
 * a request body, or a peer that accepts and never says anything. Requests
 * it does serve are parsed as HTTP/1.1 with a Content-Length and answered
 * 200, keeping the connection open.
 */
import { Buffer } from "node:buffer";
import { createServer, type Server, type Socket } from "node:net";

/** What to do with the `index`-th request (0-based, counted when its headers arrive). */
export type Policy = (index: number) => "serve" | "reset" | "silent";

/** A running raw server. */
export interface RawServer {
  port: number;
  /** Bodies of the requests answered 200, in order. */
  bodies: string[];
  /** Requests cut off by a reset. */
  resets: number;
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

const HEADER_END = "\r\n\r\n";

/** Starts the server on 127.0.0.1 (a free port unless `port` is given). */
export async function rawServer(policy: Policy, options: { resetAfterBytes?: number; port?: number } = {}): Promise<
  RawServer
> {
  const resetAfter = options.resetAfterBytes ?? 512;
  const sockets = new Set<Socket>();
  let requests = 0;
  const state: RawServer = {
    port: 0,
    bodies: [],
    resets: 0,
    connections: 0,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buf = Buffer.alloc(0);
    let current: { action: "serve" | "reset" | "silent"; need: number; headerLen: number } | undefined;
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (current === undefined) {
          const end = buf.indexOf(HEADER_END);
          if (end < 0) return;
          const head = buf.subarray(0, end).toString("latin1");
          const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          current = { action: policy(requests++), need: m ? Number(m[1]) : 0, headerLen: end + HEADER_END.length };
        }
        if (current.action === "silent") return;
        if (current.action === "reset") {
          if (buf.length >= Math.min(current.headerLen + resetAfter, current.headerLen + current.need)) {
            state.resets++;
            socket.resetAndDestroy?.() ?? socket.destroy();
          }
          return;
        }
        if (buf.length < current.headerLen + current.need) return;
        const body = buf.subarray(current.headerLen, current.headerLen + current.need).toString("utf8");
        buf = buf.subarray(current.headerLen + current.need);
        current = undefined;
        state.bodies.push(body);
        socket.write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  state.port = (server.address() as { port: number }).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A TCP server that accepts connections and never sends a byte. */
export function silentServer(): Promise<RawServer> {
  return rawServer(() => "silent");
}
