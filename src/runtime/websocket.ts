/**
 * Opening a client WebSocket, the one part of the standard `WebSocket` that
 * differs per runtime: whether handshake headers can be sent.
 *
 * Deno, Bun and Node ≥ 22 (undici) accept a non-standard second argument
 * `{ headers, protocols }`; browsers and other runtimes take only a list of
 * subprotocols, so headers cannot be sent there.
 */
import { type RuntimeName, runtimeName, runtimeVersion } from "./runtime.ts";

/** What a client connection needs beyond the URL. */
export interface WebSocketOpenOptions {
  /** Handshake headers; only where {@link handshakeHeadersSupported}. */
  headers: Record<string, string>;
  /** Subprotocols offered in `Sec-WebSocket-Protocol`. */
  protocols: string[];
}

type WebSocketConstructor = new (url: string, init?: unknown) => WebSocket;

function webSocketConstructor(): WebSocketConstructor | undefined {
  const ctor = (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  return typeof ctor === "function" ? ctor : undefined;
}

/** Whether the runtime has a global `WebSocket` client. */
export function webSocketAvailable(): boolean {
  return webSocketConstructor() !== undefined;
}

/**
 * Whether a runtime sends handshake headers given as `{ headers }`.
 * Verified: Deno 2.x, Bun 1.x, Node 22 and 24.
 */
export function headersSupportedOn(name: RuntimeName, version: string): boolean {
  if (name === "deno" || name === "bun") return true;
  if (name === "node") {
    const major = Number(/(\d+)\./.exec(version)?.[1] ?? "0");
    return major >= 22;
  }
  return false;
}

/** Whether this runtime sends handshake headers. */
export function handshakeHeadersSupported(): boolean {
  return headersSupportedOn(runtimeName, runtimeVersion());
}

/** The name and version of this runtime, for messages. */
export function runtimeLabel(): string {
  return runtimeVersion();
}

/**
 * Opens a client WebSocket. Headers are passed only when there are any;
 * callers check {@link handshakeHeadersSupported} first, so they are never
 * silently dropped.
 */
export function openWebSocket(url: string, options: WebSocketOpenOptions): WebSocket {
  const Ctor = webSocketConstructor();
  if (Ctor === undefined) {
    throw new Error(
      "this runtime has no global WebSocket client: Deno, Bun and Node 22 or later have one; " +
        "on Node 20 run with --experimental-websocket (which sends no handshake headers)",
    );
  }
  const hasHeaders = Object.keys(options.headers).length > 0;
  if (!hasHeaders) return options.protocols.length > 0 ? new Ctor(url, options.protocols) : new Ctor(url);
  const init: { headers: Record<string, string>; protocols?: string[] } = { headers: options.headers };
  if (options.protocols.length > 0) init.protocols = options.protocols;
  return new Ctor(url, init);
}
