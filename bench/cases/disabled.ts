/**
 * disabled: calls below the logger's level, against calling an empty method
 * with the same arguments (median of five loops of n calls). Implementations:
 * empty, ours, pino.
 */
import { getLogger } from "../../mod.ts";
import { args, exit, now, report, skip } from "./_common.ts";
import { pino } from "./_peers.ts";

const a = args();
const impl = a.impl ?? "ours";
const n = Number(a.n ?? 10_000_000);
const ctx = { user_id: 1, path: "/api/items", status: 200 };
const WARMUP = 100_000;

const REPEATS = 5;

/**
 * Times `n` calls of `call` after a warm-up, so both sides run compiled; the
 * median of five such loops, as one loop lasts only milliseconds.
 */
function measure(call: (i: number) => void): void {
  for (let i = 0; i < WARMUP; i++) call(i);
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = now();
    for (let i = 0; i < n; i++) call(i);
    times.push(now() - t0);
  }
  const ms = times.sort((x, y) => x - y)[REPEATS >> 1];
  report({ impl, n, ms, rate: n / (ms / 1000), extra: { nsPerCall: (ms * 1e6) / n } });
}

switch (impl) {
  case "empty": {
    const sink = { debug(_message: string, _context: Record<string, unknown>): void {} };
    measure(() => sink.debug("request handled", ctx));
    break;
  }
  case "ours": {
    const logger = getLogger("bench", { level: "info", backends: [{ type: "console", format: "json" }] });
    measure(() => logger.debug("request handled", ctx));
    break;
  }
  case "pino": {
    const p = pino(impl);
    if (!p) break;
    const logger = p({ level: "info" }, p.destination({ dest: "/dev/null", sync: true }));
    measure(() => logger.debug(ctx, "request handled"));
    break;
  }
  default:
    skip(impl, `unknown implementation ${impl}`);
}
exit(0);
