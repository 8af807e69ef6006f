/**
 * A logger's counters: its own, each backend's, and those of the backends'
 * filters, summed into the totals `getStats()` returns.
 */
import type { BackendStats } from "./backends/base.ts";
import type { Core } from "./_logger_core.ts";

/**
 * Counters of a logger and each of its backends.
 *
 * @example
 * ```ts
 * import { getLogger, type LoggerStats } from "@jinpy/logger";
 * const stats: LoggerStats = getLogger("app").getStats();
 * console.log(stats.messagesLogged, stats.messagesDropped);
 * ```
 */
export interface LoggerStats {
  /** Records accepted by the logger (at or above its level). */
  messagesLogged: number;
  /** Records dropped anywhere: by backends, or logged after shutdown. */
  messagesDropped: number;
  /** Records a backend failed to write. */
  messagesFailed: number;
  /** Records left out by backends' filters (`sample`, `rateLimit`, `fingersCrossed` discards). */
  messagesFiltered: number;
  /** Exceptions thrown by backends' `handle`, isolated from the caller. */
  backendErrors: number;
  /** Per backend: name, type, health and its counters. */
  backends: (BackendStats & { name: string; type: string; healthy: boolean })[];
}

/** The counters of a logger's core and of the backends it points at. */
export function statsOf(core: Core): LoggerStats {
  const set = core.set;
  let filtered = 0;
  const backends = core.backends.map((b, i) => {
    const stats: BackendStats & { name: string; type: string; healthy: boolean } = {
      ...b.getStats(),
      name: b.name,
      type: b.config.type,
      healthy: b.isHealthy(),
    };
    const filter = set?.backends === core.backends ? set.filterOf(i) : undefined;
    if (filter !== undefined) {
      const c = filter.counters();
      Object.assign(stats, c);
      filtered += c.sampledOut + c.rateLimited + c.suppressed;
    }
    return stats;
  });
  let dropped = core.droppedAfterShutdown + core.droppedReentrant;
  let failed = 0;
  for (const s of backends) {
    dropped += s.messagesDropped;
    failed += s.messagesFailed;
  }
  return {
    messagesLogged: core.logged,
    messagesDropped: dropped,
    messagesFailed: failed,
    messagesFiltered: filtered,
    backendErrors: core.backendErrors,
    backends,
  };
}
