/**
 * The HTTP driver: one request function per runtime, chosen once per client.
 * Plain requests use `fetch`; TLS options (a private CA, a client
 * certificate, or no verification) go where each runtime accepts them:
 * Deno `Deno.createHttpClient`, Bun `fetch(…, { tls })`, Node `node:https`
 * (its `fetch` takes no CA or client certificate). Where a runtime cannot
 * honour an option, creating the client fails; it never silently sends
 * with weaker security.
 */
import { LoggerConfigurationError } from "../errors.ts";
import { builtin, runtimeName } from "./runtime.ts";

/** TLS settings of a client; PEM texts, not paths. */
export interface TlsSettings {
  /** Verify the server's certificate. */
  verify: boolean;
  /** PEM of extra CA certificates to trust. */
  ca?: string;
  /** PEM client certificate (chain), for mTLS. */
  cert?: string;
  /** PEM client private key, for mTLS. */
  key?: string;
}

/** One request. */
export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  /** Aborts the request (timeout, shutdown). */
  signal: AbortSignal;
  /** Most bytes of the response body kept (default 1 MiB); the rest is never read. */
  readLimit?: number;
}

/** The parts of a response the backends read. */
export interface HttpResponse {
  status: number;
  statusText: string;
  /** A response header, or null. */
  header(name: string): string | null;
  /** The body as text, at most `limit` bytes of it. */
  text(limit?: number): Promise<string>;
  /** At most `limit` bytes of the body, read as a stream; `complete` when that was all of it. */
  read(limit?: number): Promise<{ bytes: Uint8Array; complete: boolean }>;
  /** Discards the body. */
  discard(): Promise<void>;
}

/** Sends requests to one origin with fixed TLS settings. */
export interface HttpClient {
  /** How requests are sent, e.g. `"fetch"`, `"fetch+client"`, `"node:https"`. */
  readonly via: string;
  /** Sends one request; rejects on network errors, timeouts and aborts. */
  request(url: string, request: HttpRequest): Promise<HttpResponse>;
  /** Releases pooled connections. */
  close(): void;
}

const decoder = new TextDecoder();

const DEFAULT_LIMIT = 1_048_576;

async function readBounded(res: Response, limit: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const reader = res.body?.getReader();
  if (reader === undefined) return { bytes: new Uint8Array(0), complete: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > limit) {
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        complete = false;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } finally {
    if (!complete) reader.cancel().catch(() => {});
    else reader.releaseLock();
  }
  return { bytes: join(chunks, size), complete };
}

function join(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

function fromFetch(res: Response): HttpResponse {
  const read = (limit = DEFAULT_LIMIT) => readBounded(res, limit);
  return {
    status: res.status,
    statusText: res.statusText,
    header: (name) => res.headers.get(name),
    read,
    text: async (limit) => decoder.decode((await read(limit)).bytes),
    async discard() {
      try {
        await res.body?.cancel();
      } catch {
        // Already consumed or closed.
      }
    },
  };
}

type FetchInit = RequestInit & { client?: unknown; tls?: Record<string, unknown> };

function fetchClient(via: string, extra: Record<string, unknown>, close: () => void = () => {}): HttpClient {
  return {
    via,
    async request(url, r) {
      const init: FetchInit = { method: r.method, headers: r.headers, body: r.body, signal: r.signal, ...extra };
      return fromFetch(await fetch(url, init));
    },
    close,
  };
}

interface NodeIncoming {
  statusCode?: number;
  statusMessage?: string;
  headers: Record<string, string | string[] | undefined>;
  on(event: "data", fn: (chunk: Uint8Array) => void): void;
  on(event: "end" | "error" | "aborted", fn: (e?: Error) => void): void;
  resume(): void;
  destroy(): void;
}
interface NodeClientRequest {
  on(event: "error", fn: (e: Error) => void): void;
  end(body: Uint8Array): void;
  destroy(e?: Error): void;
}
interface NodeHttps {
  request(url: string, options: Record<string, unknown>, cb: (res: NodeIncoming) => void): NodeClientRequest;
  Agent: new (options: Record<string, unknown>) => { destroy(): void };
}

function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new DOMException("The operation was aborted", "AbortError");
}

function nodeHttpsClient(https: NodeHttps, tls: TlsSettings): HttpClient {
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 8,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    rejectUnauthorized: tls.verify,
  });
  return {
    via: "node:https",
    request(url, r) {
      return new Promise<HttpResponse>((resolve, reject) => {
        if (r.signal.aborted) return reject(abortReason(r.signal));
        let settled = false;
        const fail = (e: Error) => {
          if (settled) return;
          settled = true;
          r.signal.removeEventListener("abort", onAbort);
          reject(e);
        };
        const onAbort = () => {
          req.destroy(abortReason(r.signal));
          fail(abortReason(r.signal));
        };
        const req = https.request(url, {
          method: r.method,
          headers: { ...r.headers, "content-length": String(r.body.length) },
          agent,
        }, (res) => {
          const chunks: Uint8Array[] = [];
          let size = 0;
          const limit = r.readLimit ?? DEFAULT_LIMIT;
          const finish = (complete: boolean) => {
            if (settled) return;
            settled = true;
            r.signal.removeEventListener("abort", onAbort);
            const all = join(chunks, size);
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? "",
              header(name) {
                const v = res.headers[name.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
              },
              read: (max = limit) =>
                Promise.resolve({ bytes: all.subarray(0, max), complete: complete && max >= size }),
              text: (max = limit) => Promise.resolve(decoder.decode(all.subarray(0, max))),
              discard: () => Promise.resolve(),
            });
          };
          res.on("data", (c) => {
            if (settled) return;
            if (size + c.length > limit) {
              chunks.push(c.subarray(0, limit - size));
              size = limit;
              // Never read more than the limit: the rest of the answer is not wanted.
              finish(false);
              res.destroy();
              return;
            }
            chunks.push(c);
            size += c.length;
          });
          res.on("error", (e) => fail(e ?? new Error("response failed")));
          res.on("aborted", () => fail(new Error("response aborted")));
          res.on("end", () => finish(true));
        });
        req.on("error", fail);
        r.signal.addEventListener("abort", onAbort, { once: true });
        req.end(r.body);
      });
    },
    close: () => agent.destroy(),
  };
}

function unsupported(feature: string, why: string): LoggerConfigurationError {
  return new LoggerConfigurationError(`${feature} is not supported on this runtime (${runtimeName}): ${why}`, {
    details: { runtime: runtimeName, feature },
    suggestions: ["Run on Deno, Bun or Node, or terminate TLS in a local proxy (nginx, a collector) and send to it"],
  });
}

/**
 * A client for `url` with the given TLS settings, using what the runtime
 * offers. TLS settings matter only for `https:` URLs.
 *
 * @throws {LoggerConfigurationError} When the runtime cannot honour a setting.
 */
export function createHttpClient(url: URL, tls: TlsSettings): HttpClient {
  const custom = tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined || !tls.verify;
  if (url.protocol !== "https:" || !custom) return fetchClient("fetch", {});
  if (runtimeName === "deno") {
    if (tls.verify) {
      const deno = (globalThis as unknown as {
        Deno: { createHttpClient(o: Record<string, unknown>): { close(): void } };
      }).Deno;
      const options: Record<string, unknown> = {};
      if (tls.ca !== undefined) options.caCerts = [tls.ca];
      if (tls.cert !== undefined) options.cert = tls.cert;
      if (tls.key !== undefined) options.key = tls.key;
      let client: { close(): void };
      try {
        client = deno.createHttpClient(options);
      } catch (e) {
        throw new LoggerConfigurationError(
          `Invalid TLS material for ${url.origin}: ${e instanceof Error ? e.message : String(e)}`,
          { details: { runtime: runtimeName }, suggestions: ["caCert, clientCert and clientKey must be PEM files"] },
        );
      }
      return fetchClient("fetch+client", { client }, () => client.close());
    }
    // Deno's fetch cannot skip verification per client; its node:https can.
  }
  if (runtimeName === "bun") {
    const options: Record<string, unknown> = { rejectUnauthorized: tls.verify };
    if (tls.ca !== undefined) options.ca = tls.ca;
    if (tls.cert !== undefined) options.cert = tls.cert;
    if (tls.key !== undefined) options.key = tls.key;
    return fetchClient("fetch+tls", { tls: options });
  }
  const https = builtin<NodeHttps>("node:https");
  if (runtimeName === "other" || https === undefined) {
    throw unsupported(
      !tls.verify ? "verifySsl: false" : tls.cert !== undefined ? "clientCert/clientKey (mTLS)" : "caCert",
      "its fetch takes no TLS options",
    );
  }
  return nodeHttpsClient(https, tls);
}

/** Which TLS features this runtime supports (for documentation and tests). */
export function tlsSupport(): { caCert: boolean; mtls: boolean; noVerify: boolean } {
  const known = runtimeName !== "other";
  return { caCert: known, mtls: known, noVerify: known };
}
