/**
 * The seed's "Performance Tuning" example: a large buffer written every 5 s
 * or when full, off the logging path. Run: deno run -A examples/performance_tuning.ts [logDir]
 */
import { getLogger } from "../mod.ts";

const logDir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "jinpy-perf-" });
const logger = getLogger("high_perf", {
  backends: [{
    type: "file",
    filePath: `${logDir}/high-perf.log`,
    bufferSize: 65536, // 64 KB buffer
    flushInterval: 5.0, // flush every 5 seconds
    asyncEnabled: true, // enable async I/O
    compression: false, // disable compression for speed
  }],
});

const started = performance.now();
for (let i = 0; i < 100_000; i++) logger.info("request served", { i, route: "/api/items", ms: i % 50 });
const callMs = performance.now() - started;
await logger.shutdown();
const lines = (await Deno.readTextFile(`${logDir}/high-perf.log`)).trim().split("\n").length;
console.log(`100000 log calls took ${callMs.toFixed(0)} ms; ${lines} lines on disk`);
