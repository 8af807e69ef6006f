/**
 * Exponential backoff with optional full jitter, shared by the network
 * backends.
 */
export interface BackoffOptions {
  /** First delay, seconds. */
  baseDelay: number;
  /** Growth per attempt. */
  factor: number;
  /** Longest delay, seconds. */
  maxDelay: number;
  /** Randomize between half and the whole delay. */
  jitter: boolean;
}

/** Delay in milliseconds before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const raw = options.baseDelay * Math.pow(options.factor, Math.max(0, attempt - 1));
  const capped = Math.min(raw, options.maxDelay);
  const seconds = options.jitter ? capped * (0.5 + Math.random() * 0.5) : capped;
  return Math.max(0, Math.round(seconds * 1000));
}

/**
 * Milliseconds a `Retry-After` header asks for (seconds or an HTTP date),
 * or undefined.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const s = Number(header.trim());
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
