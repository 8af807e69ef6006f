/**
 * console_json: JSON lines to stdout, which the driver points at /dev/null.
 * Implementations: raw (stringify + large synchronous writes to fd 1), ours
 * (console backend, format json), pino (to fd 1, sync false).
 */
import { writeSync } from "node:fs";
import { getLogger } from "../../mod.ts";
import { args, context3, exit, MESSAGE, now, report, skip, wireRecord } from "./_common.ts";
import { endPino, pino } from "./_peers.ts";

const a = args();
const impl = a.impl ?? "ours";
const n = Number(a.n ?? 200_000);
let ms = -1;
switch (impl) {
  case "raw": {
    const t0 = now();
    let buf = "";
    for (let i = 0; i < n; i++) {
      buf += JSON.stringify(wireRecord(context3(i))) + "\n";
      if (buf.length >= 1 << 20) {
        writeSync(1, buf);
        buf = "";
      }
    }
    if (buf.length > 0) writeSync(1, buf);
    ms = now() - t0;
    break;
  }
  case "ours": {
    const logger = getLogger("bench", { level: "info", backends: [{ type: "console", format: "json" }] });
    const t0 = now();
    for (let i = 0; i < n; i++) logger.info(MESSAGE, context3(i));
    await logger.shutdown();
    ms = now() - t0;
    break;
  }
  case "pino": {
    const p = pino(impl);
    if (!p) break;
    const dest = p.destination({ dest: 1, sync: false });
    const logger = p({}, dest);
    const t0 = now();
    for (let i = 0; i < n; i++) logger.info(context3(i), MESSAGE);
    await endPino(dest);
    ms = now() - t0;
    break;
  }
  default:
    skip(impl, `unknown implementation ${impl}`);
}
if (ms >= 0) report({ impl, n, ms, rate: n / (ms / 1000) });
exit(0);
