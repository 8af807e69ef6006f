/**
 * The active span's ids, read from the registration the OpenTelemetry API
 * publishes on `globalThis` (npm `@opentelemetry/api` with any SDK, or
 * Deno's built-in OTel, which registers itself there). Nothing is imported:
 * with no API registered the lookup is one property read.
 */

/** The shape of the registration that matters here. */
interface OtelGlobal {
  context?: { active?: () => unknown };
}
interface OtelContext {
  getValue?: (key: symbol) => unknown;
}
interface OtelSpan {
  spanContext?: () => { traceId?: unknown; spanId?: unknown } | undefined;
}

const API_KEY = Symbol.for("opentelemetry.js.api.1");
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
const INVALID_TRACE = "00000000000000000000000000000000";
const INVALID_SPAN = "0000000000000000";
const HEX = /^[0-9a-fA-F]+$/;
const holder = globalThis as unknown as Record<symbol, OtelGlobal | undefined>;
// A missing global property is a slow read (tens of ns on V8); an own property holding undefined is as
// fast as any. The API registers with `global[key] = global[key] ?? {…}`, so the placeholder is taken over.
try {
  if (!(API_KEY in holder)) holder[API_KEY] = undefined;
} catch {
  // A frozen global: the lookup stays correct, only slower.
}

/** Whether an OpenTelemetry API is registered: one property read, small enough to inline where records are made. */
export function otelRegistered(): boolean {
  return holder[API_KEY] !== undefined;
}

/** A span's ids, lowercase hex. */
export interface SpanIds {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
}

let lastTrace = "";
let lastSpan = "";
let last: SpanIds | undefined;

/**
 * The ids of the span active now, or undefined when no API is registered,
 * no span is active, or the span's ids are invalid. Never throws.
 */
export function activeSpanIds(): SpanIds | undefined {
  const api = holder[API_KEY];
  if (api === undefined) return undefined;
  try {
    const ctx = api.context?.active?.() as OtelContext | undefined;
    const span = ctx?.getValue?.(SPAN_KEY) as OtelSpan | undefined;
    if (span === undefined || span === null) return undefined;
    const sc = span.spanContext?.();
    const traceId = sc?.traceId;
    const spanId = sc?.spanId;
    if (typeof traceId !== "string" || typeof spanId !== "string") return undefined;
    // Records of one span share one object; the ids are checked once.
    if (traceId === lastTrace && spanId === lastSpan) return last;
    if (
      traceId.length !== 32 || spanId.length !== 16 || traceId === INVALID_TRACE || spanId === INVALID_SPAN ||
      !HEX.test(traceId) || !HEX.test(spanId)
    ) return undefined;
    lastTrace = traceId;
    lastSpan = spanId;
    return last = { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase() };
  } catch {
    return undefined;
  }
}
