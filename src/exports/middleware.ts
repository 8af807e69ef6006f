/**
 * Request logging for fetch handlers (`Deno.serve`, `Bun.serve`, Deno
 * Deploy, Workers) and Hono: a request id in the context of every record
 * logged while a request is handled, echoed in `X-Request-Id`, and one access
 * record per request.
 *
 * @example
 * ```ts ignore
 * import { getLogger } from "@jinpy/logger";
 * import { withRequestLogging } from "@jinpy/logger/middleware";
 * Deno.serve(withRequestLogging((req) => new Response("ok"), { logger: getLogger("http") }));
 * ```
 *
 * @module
 */
export {
  type FetchHandler,
  type HonoContextLike,
  honoLogger,
  type RequestLoggingOptions,
  withRequestLogging,
} from "../middleware.ts";
