/**
 * A process that ends without `shutdown()`: it simply ends, calls
 * `exit()`, dies of an uncaught exception, or of an unhandled rejection.
 * Each case runs in a subprocess on the current runtime; the records it
 * logged are counted on disk (file) or at the receiver plus the spool,
 * replayed by the next start (REST).
 *
 * What holds:
 * - file: every ending keeps every record: the exit hook writes the buffer
 *   synchronously (Node/Bun `exit`, Deno `unload`, and on Deno an uncaught
 *   `error`/`unhandledrejection`, which end the process without `unload`).
 * - REST: a normal end delivers (the `beforeExit` hook keeps the process
 *   alive until the queue is sent). `exit()` and fatal errors leave no time
 *   for the network: with `fallbackToFile` the exit hook spools what is in
 *   memory synchronously and the next start replays it; without a spool,
 *   those records are lost.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../../mod.ts";
import { startServer, text } from "../_http_server.ts";
import { ROOT, runScript, runtimeCommand, tempDir } from "../_helpers.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";
import { within } from "./_wait.ts";

type Ending = "normal end" | "exit()" | "uncaught exception" | "unhandled rejection";

const N = 1000;
const LOG_ALL = `for (let i = 0; i < ${N}; i++) logger.info("record " + i, { seq: i });`;
const EXIT = `const g = globalThis as any; if (g.Deno) g.Deno.exit(3); else g.process.exit(3);`;

/** The script's ending, after `logger` exists. */
function ending(kind: Ending): { code: string; exitCode: number } {
  switch (kind) {
    case "normal end":
      return { code: LOG_ALL, exitCode: 0 };
    case "exit()":
      return { code: `setTimeout(() => { ${LOG_ALL} ${EXIT} }, 1);`, exitCode: 3 };
    case "uncaught exception":
      return { code: `setTimeout(() => { ${LOG_ALL} throw new Error("boom"); }, 1);`, exitCode: 1 };
    case "unhandled rejection":
      return { code: `${LOG_ALL} Promise.reject(new Error("boom"));`, exitCode: 1 };
  }
}

function seqsOfBodies(bodies: string[]): number[] {
  return bodies.flatMap((b) =>
    (JSON.parse(b) as { logs: { context: { seq: number } }[] }).logs.map((l) => l.context.seq)
  );
}

const ENDINGS: Ending[] = ["normal end", "exit()", "uncaught exception", "unhandled rejection"];

describe("reliability: process ends without shutdown()", () => {
  for (const kind of ENDINGS) {
    test(`file: ${kind} keeps every record on disk`, async () => {
      const dir = tempDir();
      try {
        const end = ending(kind);
        const result = await runScript(
          dir.path,
          `import { getLogger } from "@jinpy/logger";
const logger = getLogger("ending", { backends: [{ type: "file", filePath: "logs/app.log", flushInterval: 60 }] });
${end.code}
`,
          { timeoutMs: 30_000 },
        );
        const path = join(dir.path, "logs", "app.log");
        const t = tally(N, seqsOfLines(existsSync(path) ? readFileSync(path, "utf8") : ""));
        await recordScenario(
          `process end, file: ${kind}`,
          t,
          "guaranteed: the exit hook writes the buffer synchronously",
          () => {
            assert.equal(result.code, end.exitCode, result.stderr);
            assert.equal(t.lost, 0);
            assert.equal(t.duplicates, 0);
            assert.ok(t.ordered);
          },
        );
      } finally {
        dir.cleanup();
      }
    });
  }

  for (const spool of [true, false]) {
    for (const kind of ENDINGS.slice(0, 3)) {
      const label = `process end, REST${spool ? " + fallbackToFile" : ""}: ${kind}`;
      test(label, async () => {
        const dir = tempDir();
        const server = await startServer();
        const spoolPath = join(dir.path, "spool.ndjson");
        try {
          const end = ending(kind);
          const result = await runScript(
            dir.path,
            `import { getLogger } from "@jinpy/logger";
const logger = getLogger("ending", { backends: [{ type: "rest_api", endpoint: "${server.url}/in", batchSize: 100,
  batchTimeout: 30, fallbackToFile: ${spool}, fallbackFile: ${JSON.stringify(spoolPath)} }] });
${end.code}
`,
            { timeoutMs: 30_000 },
          );
          const atExit = tally(N, seqsOfBodies(server.requests.map(text)));
          const spooled = existsSync(spoolPath) ? tally(N, seqsOfLines(readFileSync(spoolPath, "utf8"))).delivered : 0;
          if (spool && spooled > 0) {
            // The next start replays the spool first (a new record sets it going).
            const next = getLogger(`rel_end_next_${Math.random()}`, {
              backends: [{
                type: "rest_api",
                endpoint: `${server.url}/in`,
                batchTimeout: 0.01,
                fallbackToFile: true,
                fallbackFile: spoolPath,
              }],
            });
            next.info("next start", { seq: N });
            await within(next.flush(), 10_000);
            await next.shutdown();
          }
          const t = tally(N, seqsOfBodies(server.requests.map(text)));
          const guaranteed = kind === "normal end" || spool;
          await recordScenario(
            label,
            t,
            kind === "normal end"
              ? "guaranteed: beforeExit keeps the process alive until the queue is delivered"
              : spool
              ? "guaranteed with fallbackToFile: the exit hook spools what is in memory synchronously; the next start replays it (a batch in flight at exit may arrive twice)"
              : "not guaranteed: exit() and fatal errors leave no time for the network; records not yet sent are lost (use fallbackToFile)",
            () => {
              assert.equal(result.code, end.exitCode, result.stderr);
              // A batch in flight when the process ended is spooled too: if it had
              // reached the receiver, the replay repeats it (at most one batch).
              assert.ok(t.duplicates <= (spool ? 100 : 0), `duplicates ${t.duplicates}`);
              if (guaranteed) {
                assert.equal(t.lost, 0);
                assert.ok(t.ordered);
              } else {
                assert.equal(atExit.delivered, t.delivered);
              }
              if (kind !== "normal end" && spool) assert.equal(spooled, N, "everything was spooled at exit");
            },
            kind === "normal end" ? undefined : `${atExit.delivered} delivered before exit, ${spooled} spooled`,
          );
        } finally {
          await server.close();
          dir.cleanup();
        }
      });
    }
  }
});

interface Child {
  kill(signal: string): void;
  stderr(): string;
  /** How it ended: an exit status, or the signal that killed it. */
  ended: Promise<{ code: number | null; signal: string | null }>;
}

interface DenoChildApi {
  Command: new (cmd: string, opts: Record<string, unknown>) => {
    spawn(): {
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      status: Promise<{ code: number; signal: string | null }>;
      kill(signal: string): void;
    };
  };
}

/**
 * Spawns a script on the current runtime; resolves once it printed "ready".
 * Deno spawns with Deno.Command: its node:child_process reports the signal
 * it sent instead of how the child really ended.
 */
async function startChild(dir: string, source: string): Promise<Child> {
  const file = join(dir, `script_${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source.replaceAll("@jinpy/logger", join(ROOT, "mod.ts")));
  const cmd = runtimeCommand(file);
  let err = "";
  let out = "";
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => ready = resolve);
  const onOut = (d: string) => {
    out += d;
    if (out.includes("ready\n")) ready();
  };
  let child: Child;
  const D = (globalThis as unknown as { Deno?: DenoChildApi }).Deno;
  if (D) {
    const p = new D.Command(cmd[0], { args: cmd.slice(1), cwd: dir, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
    const pump = async (stream: ReadableStream<Uint8Array>, fn: (d: string) => void) => {
      const dec = new TextDecoder();
      for await (const chunk of stream) fn(dec.decode(chunk, { stream: true }));
    };
    const pumped = Promise.all([pump(p.stdout, onOut), pump(p.stderr, (d) => err += d)]);
    child = {
      kill: (signal) => p.kill(signal),
      stderr: () => err,
      ended: pumped.then(() => p.status).then((s) =>
        s.signal ? { code: null, signal: s.signal } : { code: s.code, signal: null }
      ),
    };
  } else {
    const c: ChildProcess = spawn(cmd[0], cmd.slice(1), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    c.stderr!.setEncoding("utf8");
    c.stderr!.on("data", (d: string) => err += d);
    c.stdout!.setEncoding("utf8");
    c.stdout!.on("data", onOut);
    child = {
      kill: (signal) => void c.kill(signal as NodeJS.Signals),
      stderr: () => err,
      ended: new Promise((resolve) => c.on("close", (code, signal) => resolve({ code, signal }))),
    };
  }
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  child.ended.then(() => clearTimeout(killer));
  await Promise.race([
    isReady,
    child.ended.then((e) => {
      throw new Error(`child ended before ready: ${JSON.stringify(e)} ${err}`);
    }),
  ]);
  return child;
}

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type Handling = "default" | "application handler" | "handleSignals: false";

describe("reliability: the process receives a signal", () => {
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    for (const handling of ["default", "application handler", "handleSignals: false"] as Handling[]) {
      if (handling !== "default" && signal !== "SIGTERM") continue;
      const label = `process end, file: ${signal}${handling === "default" ? "" : ` (${handling})`}`;
      test(label, async () => {
        const dir = tempDir();
        try {
          const own = handling === "application handler"
            ? `const g = globalThis as any;
const onSignal = () => { logger.info("handled", { seq: ${N} }); setTimeout(() => g.Deno ? g.Deno.exit(7) : g.process.exit(7), 50); };
if (g.Deno) g.Deno.addSignalListener("${signal}", onSignal); else g.process.on("${signal}", onSignal);`
            : "";
          const { kill, ended, stderr } = await startChild(
            dir.path,
            `import { getLogger } from "@jinpy/logger";
const logger = getLogger("signalled", { ${
              handling === "handleSignals: false" ? "handleSignals: false, " : ""
            }backends: [{ type: "file", filePath: "logs/app.log", flushInterval: 60, bufferSize: 1_000_000 }] });
${own}
${LOG_ALL}
setInterval(() => {}, 1000);
console.log("ready");
`,
          );
          kill(signal);
          const end = await ended;
          const path = join(dir.path, "logs", "app.log");
          const t = tally(N + 1, seqsOfLines(existsSync(path) ? readFileSync(path, "utf8") : ""));
          const expected = handling === "default"
            ? { code: 128 + SIGNAL_NUMBERS[signal], signal: null, records: N }
            : handling === "application handler"
            ? { code: 7, signal: null, records: N + 1 }
            : { code: null, signal, records: 0 };
          await recordScenario(
            label,
            { ...t, sent: N, lost: N - Math.min(N, t.delivered) },
            handling === "default"
              ? `guaranteed: the logger's listener flushes (deadline 3 s) and exits with ${
                128 + SIGNAL_NUMBERS[signal]
              }, running the exit hooks`
              : handling === "application handler"
              ? "guaranteed: the application's handler runs unchanged; its exit() runs the exit hooks"
              : "not guaranteed (turned off): the signal ends the process as the runtime does by default; what is buffered is lost",
            () => {
              assert.deepEqual(
                { code: end.code, signal: end.signal },
                { code: expected.code, signal: expected.signal },
                stderr(),
              );
              assert.equal(t.delivered, expected.records);
              assert.equal(t.duplicates, 0);
              assert.ok(t.ordered);
            },
            `exit ${end.code ?? end.signal}`,
          );
        } finally {
          dir.cleanup();
        }
      });
    }
  }
});
