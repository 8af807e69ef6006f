/**
 * filters: records through per-backend filters to a file, flushed at the end.
 * Implementations: none (the same file backend without filters), fingers-crossed
 * (nine DEBUG records in ten held, each request of ten records ends with an
 * ERROR one in a hundred requests, the rest discarded at scope end), sample
 * (`sample: 0.1`). The rate is log calls per second; written lines are in extra.
 */
import { join } from "node:path";
import { getLogger } from "../../mod.ts";
import {
  args,
  context3,
  countLines,
  exit,
  haveBackend,
  MESSAGE,
  now,
  report,
  skip,
  tempDir,
  touch,
} from "./_common.ts";

const a = args();
const impl = a.impl ?? "none";
const n = Number(a.n ?? 200_000);

const FILTERS: Record<string, Record<string, unknown>> = {
  none: {},
  "fingers-crossed": { fingersCrossed: { level: "error", maxBuffered: 1000 } },
  sample: { sample: 0.1 },
};

if (!(impl in FILTERS)) skip(impl, `unknown implementation ${impl}`);
else if (haveBackend("file", impl)) {
  const dir = tempDir();
  const path = touch(join(dir.path, "bench.log"));
  try {
    const logger = getLogger("bench", {
      level: "debug",
      backends: [{ type: "file", filePath: path, ...FILTERS[impl] }],
    });
    const t0 = now();
    if (impl === "fingers-crossed") {
      // Requests of ten records: nine DEBUG, then INFO, or ERROR in one request of a hundred.
      for (let r = 0; r * 10 < n; r++) {
        logger.withContext({ request_id: r }, () => {
          for (let i = 0; i < 9; i++) logger.debug(MESSAGE, context3(r * 10 + i));
          if (r % 100 === 99) logger.error(MESSAGE, context3(r * 10 + 9));
          else logger.info(MESSAGE, context3(r * 10 + 9));
        });
      }
    } else {
      for (let i = 0; i < n; i++) logger.debug(MESSAGE, context3(i));
    }
    await logger.shutdown();
    const ms = now() - t0;
    const stats = logger.getStats().backends[0];
    report({
      impl,
      n,
      ms,
      rate: n / (ms / 1000),
      extra: {
        written: countLines(path),
        filtered: Number(stats.sampledOut ?? 0) + Number(stats.suppressed ?? 0) + Number(stats.rateLimited ?? 0),
      },
    });
  } finally {
    dir.cleanup();
  }
}
exit(0);
