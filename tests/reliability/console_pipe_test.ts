/**
 * Console output into a slow reader: a child process logs JSON records to
 * stdout, a pipe whose reader reads nothing for 3 s. On Node and Bun, touching `process.stdout` makes fd 1
 * non-blocking, so the pipe answers EAGAIN once full; the byte writer must
 * wait (never spin, never abandon a chunk mid-line) and resume at the exact
 * byte. Every line must arrive whole, in order, and the counters must say
 * so — after `flush()`, when the script simply ends, and when it receives
 * SIGTERM while the pipe is full (the exit hook writes the rest
 * synchronously, waiting on the pipe). Deno's stdout stays blocking: there
 * the writer keeps one asynchronous write in flight, so no log call waits
 * for the reader; only the exit hook writes synchronously.
 */
import { describe, test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runCommand, runtimeCommand, tempDir } from "../_helpers.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";

const N = 50_000;

/**
 * Runs `source` with its stdout on a real pipe whose reader (a shell) reads
 * nothing for 3 s — longer than a bounded retry loop lasts — and then reads
 * it all; resolves with what arrived and the script's exit code.
 */
async function runSlowReader(
  dir: string,
  source: string,
): Promise<{ out: string; code: number | null; stderr: string }> {
  const file = join(dir, "script.ts");
  writeFileSync(file, source.replaceAll("@jinpy/logger", join(ROOT, "mod.ts")));
  const cmd = runtimeCommand(file).map((a) => `'${a}'`).join(" ");
  const result = await runCommand(["sh", "-c", `(${cmd}; echo $? > code.txt) | (sleep 3; cat > out.txt)`], {
    cwd: dir,
    timeoutMs: 60_000,
  });
  const code = existsSync(join(dir, "code.txt")) ? Number(readFileSync(join(dir, "code.txt"), "utf8").trim()) : null;
  return { out: readFileSync(join(dir, "out.txt"), "utf8"), code, stderr: result.stderr };
}

describe("reliability: console into a slow pipe", () => {
  for (const ending of ["flush()", "script ends"] as const) {
    test(`console JSON into a slow reader (${ending}): every line whole, in order, counted`, async () => {
      const dir = tempDir();
      try {
        const result = await runSlowReader(
          dir.path,
          `import { getLogger } from "@jinpy/logger";
import { writeFileSync } from "node:fs";
import process from "node:process";
const g = globalThis as any;
void g.process?.stdout?.isTTY;
const cpu0 = process.cpuUsage();
const cpuMs = () => { const c = process.cpuUsage(cpu0); return Math.round((c.user + c.system) / 1000); };
const logger = getLogger("piped", { backends: [{ type: "console", format: "json" }] });
const backend = logger.getBackends()[0];
for (let i = 0; i < ${N}; i++) logger.info("record " + i, { seq: i, pad: "x".repeat(80) });
const loopMs = cpuMs();
${
            ending === "flush()"
              ? `await logger.flush();
writeFileSync("stats.json", JSON.stringify({ ...backend.getStats(), cpuMs: cpuMs(), loopMs }));`
              : `g.process?.on?.("exit", () => writeFileSync("stats.json", JSON.stringify({ ...backend.getStats(), cpuMs: cpuMs(), loopMs })));
if (g.Deno) g.addEventListener("unload", () => writeFileSync("stats.json", JSON.stringify({ ...backend.getStats(), cpuMs: cpuMs(), loopMs })));`
          }
`,
        );
        const lines = result.out.split("\n");
        const torn = lines.filter((l) => l !== "" && !l.startsWith("{")).length;
        const t = tally(N, seqsOfLines(result.out));
        const stats = JSON.parse(readFileSync(join(dir.path, "stats.json"), "utf8"));
        await recordScenario(
          `console: ${N} JSON records into a slow pipe (${ending})`,
          t,
          "guaranteed: a full pipe is waited on (back-off, never spun), a short write resumes at the exact byte; every line whole, in order",
          () => {
            assert.equal(result.code, 0, result.stderr);
            assert.equal(t.foreign, 0, "every line is a whole record");
            assert.equal(torn, 0);
            assert.equal(t.lost, 0);
            assert.equal(t.duplicates, 0);
            assert.ok(t.ordered);
            if (ending === "flush()") {
              assert.equal(stats.messagesWritten, N);
              assert.equal(stats.bytesWritten, Buffer.byteLength(result.out));
            }
            assert.equal(stats.messagesFailed, 0);
            assert.equal(stats.messagesDropped, 0);
          },
          `CPU ${stats.cpuMs} ms in all, ${
            stats.cpuMs - stats.loopMs
          } ms after the logging loop; messagesWritten ${stats.messagesWritten} at ${
            ending === "flush()" ? "flush" : "the exit hook (before its write)"
          }`,
        );
      } finally {
        dir.cleanup();
      }
    });
  }

  test("console JSON into a slow reader: no log call waits on the pipe, every line whole, in order, counted", async () => {
    // The child logs in bursts, yielding between them, over the reader's 3 s
    // stall, and times each log call in its own process. A call that waited
    // for the reader would take most of the stall.
    const count = 20_000;
    const dir = tempDir();
    try {
      const result = await runSlowReader(
        dir.path,
        `import { getLogger } from "@jinpy/logger";
import { writeFileSync } from "node:fs";
const g = globalThis as any;
void g.process?.stdout?.isTTY;
const logger = getLogger("piped", { backends: [{ type: "console", format: "json" }] });
const backend = logger.getBackends()[0];
const start = performance.now();
let longest = 0;
for (let i = 0; i < ${count}; i++) {
  const t0 = performance.now();
  logger.info("record " + i, { seq: i, pad: "x".repeat(80) });
  const took = performance.now() - t0;
  if (took > longest) longest = took;
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 10));
}
const loopMs = performance.now() - start;
await logger.flush();
writeFileSync("stats.json", JSON.stringify({ ...backend.getStats(), longest, loopMs }));
`,
      );
      const t = tally(count, seqsOfLines(result.out));
      const torn = result.out.split("\n").filter((l) => l !== "" && !l.startsWith("{")).length;
      const stats = JSON.parse(readFileSync(join(dir.path, "stats.json"), "utf8"));
      await recordScenario(
        `console: ${count} JSON records logged in bursts while the pipe's reader stalls for 3 s`,
        t,
        "guaranteed: a log call never waits on the pipe; every line whole, in order, counted when its last byte is written",
        () => {
          assert.equal(result.code, 0, result.stderr);
          assert.ok(stats.longest < 600, `longest log call ${stats.longest} ms, the reader stalls 3000 ms`);
          assert.equal(t.foreign, 0, "every line is a whole record");
          assert.equal(torn, 0);
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(t.ordered);
          assert.equal(stats.messagesWritten, count);
          assert.equal(stats.bytesWritten, Buffer.byteLength(result.out));
          assert.equal(stats.messagesFailed, 0);
          assert.equal(stats.messagesDropped, 0);
        },
        `longest log call ${stats.longest.toFixed(1)} ms; logging loop ${Math.round(stats.loopMs)} ms`,
      );
    } finally {
      dir.cleanup();
    }
  });

  test("console JSON into a stalled pipe, then SIGTERM: every line arrives whole, exit status 143", async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, "script.ts");
      writeFileSync(
        file,
        `import { getLogger } from "${join(ROOT, "mod.ts")}";
import { writeFileSync } from "node:fs";
import process from "node:process";
const logger = getLogger("piped", { backends: [{ type: "console", format: "json" }] });
// The signal is handled once the logging loop is done.
writeFileSync("pid.txt", String(process.pid));
for (let i = 0; i < ${N}; i++) logger.info("record " + i, { seq: i, pad: "x".repeat(80) });
setInterval(() => {}, 1000);
`,
      );
      const cmd = runtimeCommand(file).map((a) => `'${a}'`).join(" ");
      // The reader takes nothing until the signal has been sent (signalled.txt exists).
      const run = runCommand([
        "sh",
        "-c",
        `(${cmd}; echo $? > code.txt) | (while [ ! -f signalled.txt ]; do sleep 0.05; done; cat > out.txt)`,
      ], { cwd: dir.path, timeoutMs: 60_000 });
      const pidFile = join(dir.path, "pid.txt");
      const deadline = Date.now() + 30_000;
      while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const pid = Number(readFileSync(pidFile, "utf8"));
      process.kill(pid, "SIGTERM");
      writeFileSync(join(dir.path, "signalled.txt"), "");
      const result = await run;
      const code = Number(readFileSync(join(dir.path, "code.txt"), "utf8").trim());
      const out = readFileSync(join(dir.path, "out.txt"), "utf8");
      const t = tally(N, seqsOfLines(out));
      await recordScenario(
        `console: ${N} JSON records into a stalled pipe, then SIGTERM`,
        t,
        "guaranteed: the signal's exit runs the exit hook, which waits for the reader and writes every line whole",
        () => {
          assert.equal(code, 143, result.stderr);
          assert.equal(t.foreign, 0, "every line is a whole record");
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(t.ordered);
        },
        `exit ${code}`,
      );
    } finally {
      dir.cleanup();
    }
  });
});
