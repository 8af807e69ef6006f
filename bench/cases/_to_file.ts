/**
 * The "N records to a file, flushed at the end" benchmark, shared by the
 * `file`, `context_heavy` and `redaction` cases. The clock runs from the
 * first log call until the last byte is handed to the OS; setup is outside.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../../mod.ts";
import { countLines, exit, haveBackend, MESSAGE, now, report, skip, tempDir, touch, wireRecord } from "./_common.ts";
import { endPino, logtape, logtapeFile, pino, winston } from "./_peers.ts";

/** What varies between the file cases. */
export interface ToFileCase {
  /** The context of record `i`. */
  context: (i: number) => Record<string, unknown>;
  /** How the raw limit redacts (identity when nothing to hide). */
  rawRedact?: (context: Record<string, unknown>) => Record<string, unknown>;
  /** pino's `redact` paths, when the case redacts. */
  pinoRedact?: string[];
}

const RAW_CHUNK = 1 << 20;

/** Runs one implementation of a to-file case and reports the result. */
export async function runToFile(impl: string, n: number, spec: ToFileCase): Promise<void> {
  const dir = tempDir();
  const path = touch(join(dir.path, "bench.log"));
  const ctx = spec.context;
  let t0 = 0;
  let t1 = 0;
  try {
    switch (impl) {
      case "raw": {
        // The limit: stringify the same wire object, append in large synchronous writes.
        const redact = spec.rawRedact ?? ((c: Record<string, unknown>) => c);
        const fd = openSync(path, "a");
        t0 = now();
        let buf = "";
        for (let i = 0; i < n; i++) {
          buf += JSON.stringify(wireRecord(redact(ctx(i)))) + "\n";
          if (buf.length >= RAW_CHUNK) {
            writeSync(fd, buf);
            buf = "";
          }
        }
        if (buf.length > 0) writeSync(fd, buf);
        t1 = now();
        closeSync(fd);
        break;
      }
      case "ours": {
        if (!haveBackend("file", impl)) return;
        const logger = getLogger("bench", {
          level: "info",
          backends: [{ type: "file", filePath: path }],
        });
        t0 = now();
        for (let i = 0; i < n; i++) logger.info(MESSAGE, ctx(i));
        await logger.shutdown();
        t1 = now();
        break;
      }
      case "pino": {
        const p = pino(impl);
        if (!p) return;
        const dest = p.destination({ dest: path, sync: false });
        const logger = p(spec.pinoRedact ? { redact: spec.pinoRedact } : {}, dest);
        t0 = now();
        for (let i = 0; i < n; i++) logger.info(ctx(i), MESSAGE);
        await endPino(dest);
        t1 = now();
        break;
      }
      case "logtape-file":
      case "logtape-stream": {
        const lt = logtape(impl);
        const lf = lt && logtapeFile(impl);
        if (!lt || !lf) return;
        const options = { formatter: lt.jsonLinesFormatter };
        const sink = impl === "logtape-file" ? lf.getFileSink(path, options) : lf.getStreamFileSink(path, options);
        await lt.configure({
          sinks: { file: sink },
          loggers: [
            { category: ["bench"], sinks: ["file"], lowestLevel: "info" },
            { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
          ],
        });
        const logger = lt.getLogger(["bench"]);
        t0 = now();
        for (let i = 0; i < n; i++) logger.info(MESSAGE, ctx(i));
        await lt.dispose();
        t1 = now();
        break;
      }
      case "winston": {
        const w = winston(impl);
        if (!w) return;
        const transport = new w.transports.File({ filename: path });
        const logger = w.createLogger({
          level: "info",
          format: w.format.combine(w.format.timestamp(), w.format.json()),
          transports: [transport],
        });
        t0 = now();
        for (let i = 0; i < n; i++) logger.info(MESSAGE, ctx(i));
        await new Promise<void>((resolve) => {
          transport.on("finish", () => resolve());
          logger.end();
        });
        t1 = now();
        break;
      }
      default:
        skip(impl, `unknown implementation ${impl}`);
        return;
    }
    const ms = t1 - t0;
    report({ impl, n, ms, rate: n / (ms / 1000), delivered: countLines(path) });
  } finally {
    dir.cleanup();
  }
}

/** Entry point of a to-file case file. */
export async function mainToFile(spec: ToFileCase, defaultN: number, impl: string, n?: string): Promise<void> {
  await runToFile(impl, n === undefined ? defaultN : Number(n), spec);
  exit(0);
}
