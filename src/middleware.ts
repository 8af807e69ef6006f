/**
 * Request logging for web-standard fetch handlers (`Deno.serve`,
 * `Bun.serve`, Deno Deploy, Cloudflare Workers) and for Hono, without
 * importing any framework: each request gets a request id (taken from the
 * `X-Request-Id` header or made), echoed on the response and attached to
 * every record logged while it is handled, and one access record.
 */
import { runWithContext } from "./context.ts";
import { getLogger, type Logger } from "./logger.ts";
import { describeError, reportOnce } from "./report.ts";

/**
 * Options of {@link withRequestLogging} and {@link honoLogger}.
 *
 * @example
 * ```ts
 * import { getLogger } from "@jinpy/logger";
 * import type { RequestLoggingOptions } from "@jinpy/logger/middleware";
 * const options: RequestLoggingOptions = { logger: getLogger("http"), requestIdHeader: "X-Trace" };
 * ```
 */
export interface RequestLoggingOptions {
  /** The logger of the access records. Default `getLogger("http")`. */
  logger?: Logger;
  /** The header read and echoed. Default `"X-Request-Id"`. */
  requestIdHeader?: string;
  /** Makes a request id when the request has none (or an unusable one). Default `crypto.randomUUID()`. */
  generateRequestId?: () => string;
  /** The context key of the id. Default `"request_id"`. */
  contextKey?: string;
  /**
   * Whether to hand a flush of the logger to the platform's `waitUntil`
   * (Workers, Deno Deploy, Vercel, Netlify pass one), so that records are
   * delivered after the response is sent. Default `true`.
   */
  flushWithWaitUntil?: boolean;
}

/** Something with `waitUntil`, as serverless platforms pass to a handler. */
interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

// Visible ASCII, at most 200 characters: an id a client sends is logged and echoed only when it cannot
// split a line or a header.
const USABLE_ID = /^[\x21-\x7e]{1,200}$/;

function makeId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  return Date.now().toString(16) + "-" + Math.random().toString(16).slice(2, 14);
}

/** The resolved options, made once per wrapper. */
class Access {
  #logger: Logger | undefined;
  header: string;
  #generate: () => string;
  key: string;
  #flush: boolean;

  constructor(options: RequestLoggingOptions) {
    this.#logger = options.logger;
    this.header = options.requestIdHeader ?? "X-Request-Id";
    this.#generate = options.generateRequestId ?? makeId;
    this.key = options.contextKey ?? "request_id";
    this.#flush = options.flushWithWaitUntil !== false;
  }

  get logger(): Logger {
    return this.#logger ??= getLogger("http");
  }

  requestId(incoming: string | null | undefined): string {
    if (typeof incoming === "string" && USABLE_ID.test(incoming)) return incoming;
    try {
      const id = String(this.#generate());
      if (USABLE_ID.test(id)) return id;
    } catch (e) {
      reportOnce("middleware:generateRequestId", `generateRequestId threw: ${describeError(e)}`);
    }
    return makeId();
  }

  /** Writes the access record; never throws. */
  record(method: string, path: string, status: number, started: number, error: unknown): void {
    try {
      const duration = Math.round((performance.now() - started) * 1000) / 1000;
      const fields: Record<string, unknown> = { method, path, status, duration_ms: duration };
      if (error !== undefined) fields.error = error;
      const message = `${method} ${path} ${status}`;
      const logger = this.logger;
      if (status >= 500) logger.error(message, fields);
      else if (status >= 400) logger.warning(message, fields);
      else logger.info(message, fields);
    } catch (e) {
      reportOnce("middleware:record", `the access record could not be written: ${describeError(e)}`);
    }
  }

  /** Hands a flush to `waitUntil`, when there is one and flushing is wanted. */
  flushVia(target: WaitUntil | undefined): void {
    if (!this.#flush || target === undefined) return;
    try {
      target.waitUntil(this.logger.flush().catch(() => {}));
    } catch {
      // A platform that refuses the promise keeps the usual batching.
    }
  }
}

function waitUntilIn(args: readonly unknown[]): WaitUntil | undefined {
  for (const a of args) {
    if (a !== null && typeof a === "object" && typeof (a as Partial<WaitUntil>).waitUntil === "function") {
      return a as WaitUntil;
    }
  }
  return undefined;
}

/** The response with the id header set; rebuilt when its headers are immutable. */
function withHeader(res: Response, name: string, id: string): Response {
  try {
    res.headers.set(name, id);
    return res;
  } catch {
    // Responses of fetch() and Response.redirect() have immutable headers.
  }
  if (res.status === 101) return res;
  try {
    const copy = new Response(res.body, res);
    copy.headers.set(name, id);
    return copy;
  } catch {
    return res;
  }
}

/** A fetch handler: the request, then whatever the platform passes. */
export type FetchHandler<A extends unknown[] = unknown[]> = (
  request: Request,
  ...rest: A
) => Response | Promise<Response>;

/**
 * Wraps a web-standard fetch handler with request logging. The handler runs
 * with `request_id` in the implicit context (every record logged inside it
 * carries it); the response carries the id in `X-Request-Id`; one access
 * record (method, path, status, duration_ms, and the error when the handler
 * throws) is logged per request: info, warning for 4xx, error for 5xx and
 * for a throw (logged as 500, then rethrown). The query string is not logged. When the
 * platform passes an object with `waitUntil` (Workers' `ctx`, Deploy,
 * Vercel, Netlify), the logger's flush is handed to it.
 *
 * @param handler The fetch handler.
 * @param options Logger, header and id generator.
 * @returns The wrapped handler.
 *
 * @example
 * ```ts ignore
 * import { getLogger } from "@jinpy/logger";
 * import { withRequestLogging } from "@jinpy/logger/middleware";
 * Deno.serve(withRequestLogging((req) => new Response("ok"), { logger: getLogger("http") }));
 * ```
 */
export function withRequestLogging<A extends unknown[]>(
  handler: FetchHandler<A>,
  options: RequestLoggingOptions = {},
): (request: Request, ...rest: A) => Promise<Response> {
  const access = new Access(options);
  return (request: Request, ...rest: A): Promise<Response> => {
    const started = performance.now();
    const id = access.requestId(request.headers.get(access.header));
    let path = "/";
    try {
      path = new URL(request.url).pathname;
    } catch {
      // Keep "/" for a URL the runtime would not have accepted anyway.
    }
    return runWithContext({ [access.key]: id }, async () => {
      let res: Response;
      try {
        res = await handler(request, ...rest);
      } catch (e) {
        access.record(request.method, path, 500, started, e);
        access.flushVia(waitUntilIn(rest));
        throw e;
      }
      access.record(request.method, path, res.status, started, undefined);
      access.flushVia(waitUntilIn(rest));
      return withHeader(res, access.header, id);
    });
  };
}

/**
 * The parts of a Hono `Context` the middleware uses (Hono itself is not
 * imported).
 *
 * @example
 * ```ts
 * import type { HonoContextLike } from "@jinpy/logger/middleware";
 * const path = (c: HonoContextLike) => c.req.path;
 * ```
 */
export interface HonoContextLike {
  /** The request. */
  req: { raw: Request; method: string; path: string; header(name: string): string | undefined };
  /** The response, after `next()`. */
  res: Response;
  /** What a handler threw, when Hono's error handler made the response. */
  error?: unknown;
  /** Sets a response header. */
  header(name: string, value: string): void;
  /** Sets a context variable (`c.get("requestId")`). */
  set?(key: string, value: unknown): void;
  /** Workers' execution context; Hono's getter throws where there is none. */
  readonly executionCtx?: unknown;
}

/**
 * Hono middleware with the behaviour of {@link withRequestLogging}; also
 * sets `c.get("requestId")`. An error Hono's error handler turned into a
 * response (`c.error`, e.g. an `HTTPException`) is logged with that
 * response's status.
 *
 * @param options Logger, header and id generator.
 * @returns The middleware, for `app.use`.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { getLogger } from "@jinpy/logger";
 * import { honoLogger } from "@jinpy/logger/middleware";
 * const app = new Hono();
 * app.use(honoLogger({ logger: getLogger("http") }));
 * ```
 */
export function honoLogger(
  options: RequestLoggingOptions = {},
): (c: HonoContextLike, next: () => Promise<void>) => Promise<void> {
  const access = new Access(options);
  return (c, next) => {
    const started = performance.now();
    const id = access.requestId(c.req.header(access.header));
    try {
      c.set?.("requestId", id);
    } catch { /* a context without variables */ }
    return runWithContext({ [access.key]: id }, async () => {
      let ctx: WaitUntil | undefined;
      const settle = (status: number, error: unknown) => {
        access.record(c.req.method, c.req.path, status, started, error);
        try {
          const e = c.executionCtx as Partial<WaitUntil> | undefined;
          if (typeof e?.waitUntil === "function") ctx = e as WaitUntil;
        } catch {
          // Hono throws where the platform gave no execution context.
        }
        access.flushVia(ctx);
      };
      try {
        await next();
      } catch (e) {
        settle(500, e);
        throw e;
      }
      settle(c.res.status, c.error ?? undefined);
      try {
        c.header(access.header, id);
      } catch {
        // An immutable response keeps its headers.
      }
    });
  };
}
