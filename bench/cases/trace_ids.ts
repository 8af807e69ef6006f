/**
 * trace_ids: the cost per record of looking up the active OpenTelemetry
 * span (median of five loops of n lookups), against an empty call.
 * Implementations: empty; none (no API registered: the common case);
 * registered (an API registration whose context has no span); span (an
 * active span, whose ids are copied onto the record).
 */
import { activeSpanIds } from "../../src/otel/_trace.ts";
import { args, exit, now, report, skip } from "./_common.ts";

const a = args();
const impl = a.impl ?? "none";
const n = Number(a.n ?? 10_000_000);
const WARMUP = 100_000;
const REPEATS = 5;
let sink: unknown;

function measure(call: () => unknown): void {
  for (let i = 0; i < WARMUP; i++) sink = call();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = now();
    for (let i = 0; i < n; i++) sink = call();
    times.push(now() - t0);
  }
  const ms = times.sort((x, y) => x - y)[REPEATS >> 1];
  report({ impl, n, ms, rate: n / (ms / 1000), extra: { nsPerCall: (ms * 1e6) / n } });
}

/** A registration of the shape `@opentelemetry/api` publishes, with a context holding `span`. */
function register(span: unknown): void {
  const key = Symbol.for("OpenTelemetry Context Key SPAN");
  const context = { getValue: (k: symbol) => k === key ? span : undefined };
  (globalThis as unknown as Record<symbol, unknown>)[Symbol.for("opentelemetry.js.api.1")] = {
    version: "1.9.0",
    context: { active: () => context },
  };
}

const empty = (): undefined => undefined;

switch (impl) {
  case "empty":
    measure(empty);
    break;
  case "none":
    measure(activeSpanIds);
    break;
  case "registered":
    register(undefined);
    measure(activeSpanIds);
    break;
  case "span": {
    const ids = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 };
    register({ spanContext: () => ids });
    measure(activeSpanIds);
    break;
  }
  default:
    skip(impl, `unknown implementation ${impl}`);
}
if (sink === 1) console.log(sink);
exit(0);
