/**
 * rest: records through the REST backend (ndjson, batches of 1 000, one
 * request at a time) to a sibling process that only counts, against the raw
 * limit: stringify + the same batches POSTed one at a time with `fetch`.
 * Implementations: raw, ours. Each also reports where its time went (raw:
 * building bodies / sending; ours: the log calls / the sends after them) and
 * the minor page faults of the process meanwhile (first touches of memory).
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { getLogger } from "../../mod.ts";
import { args, context3, exit, haveBackend, MESSAGE, now, report, runtime, skip, wireRecord } from "./_common.ts";

const a = args();
const impl = a.impl ?? "ours";
const n = Number(a.n ?? 200_000);
const BATCH = 1000;

/** Starts the counting server next to this process; resolves its URL. */
function startServer(): Promise<{ url: string; stop: () => void }> {
  const file = new URL("./_count_server.ts", import.meta.url).pathname;
  const argv = runtime === "deno" ? ["run", "-A", file] : [file];
  const child = spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("counting server did not start")), 20_000);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}/logs`, stop: () => child.kill() });
      }
    });
    child.on("error", reject);
  });
}

/** Minor page faults of this process so far (NaN where the runtime cannot tell). */
function pageFaults(): number {
  const usage = (process as { resourceUsage?: () => { minorPageFault: number } }).resourceUsage;
  return typeof usage === "function" ? usage().minorPageFault : NaN;
}

async function counted(url: string): Promise<number> {
  const r = await fetch(url);
  return (await r.json()).records;
}

if (impl !== "raw" && impl !== "ours") skip(impl, `unknown implementation ${impl}`);
else if (impl === "raw" || haveBackend("rest_api", impl)) {
  const server = await startServer();
  try {
    let t0 = 0;
    let first = 0;
    let faults0 = 0;
    if (impl === "raw") {
      faults0 = pageFaults();
      t0 = now();
      for (let i = 0; i < n; i += BATCH) {
        const b0 = now();
        let body = "";
        const end = Math.min(n, i + BATCH);
        for (let j = i; j < end; j++) body += JSON.stringify(wireRecord(context3(j))) + "\n";
        first += now() - b0;
        const r = await fetch(server.url, {
          method: "POST",
          headers: { "content-type": "application/x-ndjson" },
          body,
        });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`server answered ${r.status}`);
      }
    } else {
      const logger = getLogger("bench", {
        level: "info",
        backends: [{
          type: "rest_api",
          endpoint: server.url,
          payloadFormat: "ndjson",
          batchSize: BATCH,
          maxQueueSize: n,
          concurrency: 1,
          retryCount: 0,
        }],
      });
      faults0 = pageFaults();
      t0 = now();
      for (let i = 0; i < n; i++) logger.info(MESSAGE, context3(i));
      first = now() - t0;
      await logger.shutdown();
    }
    const ms = now() - t0;
    const extra = { firstMs: first, thenMs: ms - first, faults: pageFaults() - faults0 };
    report({ impl, n, ms, rate: n / (ms / 1000), delivered: await counted(server.url), extra });
  } finally {
    server.stop();
  }
}
exit(0);
