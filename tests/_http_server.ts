export { freePort } from "./_helpers.ts";
/**
 * A tiny HTTP server on the current runtime's own server API (Deno.serve,
 * Bun.serve, node:http) on 127.0.0.1, recording every request: method,
 * path, headers and body bytes. A handler decides each answer.
 */

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Headers, lowercase names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** `Date.now()` when the body had arrived. */
  at: number;
}

/** What to answer. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (cut short when the server closes). */
  delayMs?: number;
}

/** Decides the answer to the `index`-th request (0-based). */
export type Handler = (request: RecordedRequest, index: number) => Answer | undefined;

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Stops the server, ending delayed answers. */
  close(): Promise<void>;
}

const g = globalThis as unknown as {
  Deno?: {
    serve(
      options: { hostname: string; port: number; onListen?: (a: { port: number }) => void },
      handler: (req: Request) => Promise<Response>,
    ): { addr: { port: number }; shutdown(): Promise<void> };
  };
  Bun?: {
    serve(options: { hostname: string; port: number; fetch: (req: Request) => Promise<Response> }): {
      port: number;
      stop(force?: boolean): void;
    };
  };
};

/** Text of a recorded body. */
export function text(r: RecordedRequest): string {
  return new TextDecoder().decode(r.body);
}

/**
 * Starts a server on 127.0.0.1 (`port` 0 = any free port). Without a
 * handler every request gets 200.
 */
export async function startServer(handler: Handler = () => undefined, port = 0): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const waits = new Set<() => void>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(id);
        waits.delete(done);
        resolve();
      };
      const id = setTimeout(done, ms);
      waits.add(done);
    });
  const answer = async (method: string, path: string, headers: Record<string, string>, body: Uint8Array) => {
    const request: RecordedRequest = { method, path, headers, body, at: Date.now() };
    const index = requests.push(request) - 1;
    let a: Answer = {};
    try {
      a = handler(request, index) ?? {};
    } catch (e) {
      a = { status: 500, body: String(e) };
    }
    if (a.delayMs) await delay(a.delayMs);
    return { status: a.status ?? 200, headers: a.headers ?? {}, body: a.body ?? "ok" };
  };
  const fetchHandler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => headers[k.toLowerCase()] = v);
    const body = new Uint8Array(await req.arrayBuffer());
    const a = await answer(req.method, url.pathname + url.search, headers, body);
    return new Response(a.body, { status: a.status, headers: a.headers });
  };
  const stopWaits = () => {
    for (const w of [...waits]) w();
  };

  if (g.Deno) {
    let listening!: () => void;
    const ready = new Promise<void>((r) => listening = r);
    const server = g.Deno.serve({ hostname: "127.0.0.1", port, onListen: () => listening() }, fetchHandler);
    await ready;
    const p = server.addr.port;
    return {
      url: `http://127.0.0.1:${p}`,
      port: p,
      requests,
      close: async () => {
        stopWaits();
        await server.shutdown();
      },
    };
  }
  if (g.Bun) {
    const server = g.Bun.serve({ hostname: "127.0.0.1", port, fetch: fetchHandler });
    return {
      url: `http://127.0.0.1:${server.port}`,
      port: server.port,
      requests,
      close: () => {
        stopWaits();
        server.stop(true);
        return Promise.resolve();
      },
    };
  }
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      }
      const size = chunks.reduce((n, c) => n + c.length, 0);
      const body = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.length;
      }
      const a = await answer(req.method ?? "GET", req.url ?? "/", headers, body);
      if (res.destroyed) return;
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const p = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${p}`,
    port: p,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        stopWaits();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
