/**
 * Runs the reliability suite on Deno, Bun and Node 24, then the 1 M-record
 * dead-sink memory case on each, and writes `tests/reliability/README.md`:
 * one row per scenario and runtime, the bad inputs tried, and where records
 * can still be lost.
 *
 * deno task reliability
 */
import { memoryBound, type ScenarioResult } from "./_record.ts";

const here = new URL(".", import.meta.url).pathname;
const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const deno = Deno.execPath();
const outFile = await Deno.makeTempFile({ prefix: "jinpy-reliability-", suffix: ".jsonl" });
const env = { NO_COLOR: "1", FORCE_COLOR: "0", JINPY_TEST: "1", JINPY_RELIABILITY_OUT: outFile };

const files: string[] = [];
for await (const e of Deno.readDir(here)) if (e.name.endsWith("_test.ts")) files.push(`tests/reliability/${e.name}`);
files.sort();

interface Run {
  runtime: string;
  code: number;
  seconds: number;
  output: string;
}

async function run(runtime: string, cmd: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const started = performance.now();
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: root,
    env: { ...env, ...extraEnv },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { runtime, code: out.code, seconds: (performance.now() - started) / 1000, output };
}

const suites: [string, string[]][] = [
  ["deno", [deno, "test", "-A", "--no-check", ...files]],
  ["bun", ["npx", "-y", "bun@1", "test", "--timeout", "120000", ...files.map((f) => `./${f}`)]],
  ["node", ["npx", "-y", "node@24", "--test", "--test-concurrency=1", ...files]],
];
const runs: Run[] = [];
for (const [name, cmd] of suites) {
  console.log(`running the reliability suite on ${name} …`);
  const r = await run(name, cmd);
  runs.push(r);
  console.log(`  ${name}: exit ${r.code} in ${r.seconds.toFixed(1)} s`);
  if (r.code !== 0) console.log(r.output.split("\n").slice(-60).join("\n"));
}

// The 1 M-record memory case, with two queue sizes, on each runtime.
const commands: Record<string, string[]> = {
  deno: [deno, "run", "-A"],
  bun: ["npx", "-y", "bun@1"],
  node: ["npx", "-y", "node@24"],
};
const MB = 1024 * 1024;
const memoryLines: ScenarioResult[] = [];
for (const [name, prefix] of Object.entries(commands)) {
  for (const queue of [1000, 10_000]) {
    const records = 1_000_000;
    const pad = 1000;
    console.log(`dead sink on ${name}: ${records} records, maxQueueSize ${queue} …`);
    const r = await run(name, [...prefix, "tests/reliability/_dead_sink.ts"], {
      RECORDS: String(records),
      QUEUE: String(queue),
      PAD: String(pad),
    });
    const sent = records + 1;
    let line: ScenarioResult;
    try {
      const s = JSON.parse(r.output.split("\n").find((l) => l.startsWith("{"))!);
      const growth = s.peak - s.baseline;
      const bound = memoryBound(queue, pad);
      const ok = r.code === 0 && growth < bound && s.stats.messagesDropped === sent;
      line = {
        scenario: `REST dead sink, 1 000 000 × 1 KB records, maxQueueSize ${queue}`,
        runtime: name,
        sent,
        delivered: s.stats.messagesWritten,
        duplicates: 0,
        lost: sent - s.stats.messagesWritten,
        result: ok ? "pass" : "fail",
        guarantee:
          "memory is bounded by maxQueueSize: with the sink dead, the oldest records are dropped and counted (messagesDropped), never held",
        notes: `peak RSS +${(growth / MB).toFixed(0)} MB (bound ${(bound / MB).toFixed(0)} MB; ${
          (records * pad / MB).toFixed(0)
        } MB logged) in ${s.seconds.toFixed(1)} s; messagesDropped ${s.stats.messagesDropped}`,
      };
    } catch {
      line = {
        scenario: `REST dead sink, 1 000 000 × 1 KB records, maxQueueSize ${queue}`,
        runtime: name,
        sent,
        delivered: 0,
        duplicates: 0,
        lost: sent,
        result: "fail",
        guarantee: "memory is bounded by maxQueueSize",
        notes: `the script failed (exit ${r.code})`,
      };
    }
    console.log(`  ${line.result}: ${line.notes}`);
    memoryLines.push(line);
  }
}

const lines: ScenarioResult[] = (await Deno.readTextFile(outFile)).split("\n").filter((l) => l.trim() !== "").map((l) =>
  JSON.parse(l)
);
await Deno.remove(outFile);
const all = [...lines, ...memoryLines];
const order = ["deno", "bun", "node"];
const scenarioOrder = [...new Set(all.map((l) => l.scenario))];
all.sort((a, b) =>
  scenarioOrder.indexOf(a.scenario) - scenarioOrder.indexOf(b.scenario) ||
  order.indexOf(a.runtime) - order.indexOf(b.runtime)
);

const cell = (s: string | number | undefined) => String(s ?? "").replaceAll("|", "\\|");
const fmt = (n: number) => n.toLocaleString("en-US");
const records = all.filter((l) => !l.scenario.startsWith("bad input") && !l.scenario.startsWith("security"));
const security = all.filter((l) => l.scenario.startsWith("security"));
const bad = all.filter((l) => l.scenario.startsWith("bad input"));

const versions: string[] = [];
for (
  const [name, cmd] of Object.entries({
    deno: [deno, "--version"],
    bun: ["npx", "-y", "bun@1", "--version"],
    node: ["npx", "-y", "node@24", "--version"],
  })
) {
  const r = await run(name, cmd);
  versions.push(`${name} ${r.output.split("\n")[0].replace(/^deno /, "").trim()}`);
}

const md: string[] = [];
md.push("# Reliability results");
md.push("");
md.push(
  "Generated by `deno task reliability` (`tests/reliability/report.ts`) from its last run; do not edit by hand.",
);
md.push(`Run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${versions.join(", ")}.`);
md.push(
  `Suite: ${
    runs.map((r) => `${r.runtime} ${r.code === 0 ? "passed" : "FAILED"} in ${r.seconds.toFixed(0)} s`).join(", ")
  }.`,
);
md.push("");
md.push(
  "Every scenario numbers its records and counts, by sequence number, what the receiver (server, file, spool) got: " +
    "*delivered* = distinct records that arrived, *duplicates* = extra copies, *lost* = never arrived. " +
    "A row passes when the counts match the scenario's guarantee (below) — including, where loss is expected, that every lost record was counted in the backend's stats.",
);
md.push("");
md.push("| scenario | runtime | sent | delivered | duplicates | lost | result | notes |");
md.push("|---|---|---:|---:|---:|---:|---|---|");
for (const l of records) {
  md.push(
    `| ${cell(l.scenario)} | ${l.runtime} | ${fmt(l.sent)} | ${fmt(l.delivered)} | ${fmt(l.duplicates)} | ${
      fmt(l.lost)
    } | ${l.result} | ${cell(l.notes)} |`,
  );
}
md.push("");
md.push("## Bad input");
md.push("");
md.push("| input | runtime | cases tried | result | notes |");
md.push("|---|---|---:|---|---|");
for (const l of bad) {
  md.push(
    `| ${cell(l.scenario.replace("bad input: ", ""))} | ${l.runtime} | ${fmt(l.sent)} | ${l.result} | ${
      cell(l.notes)
    } |`,
  );
}
const totalBad = bad.reduce((n, l) => n + l.sent, 0);
md.push("");
md.push(
  `Bad inputs tried in this run: **${fmt(totalBad)}** across ${new Set(bad.map((l) => l.runtime)).size} runtimes.`,
);
md.push("");
md.push("## Secrets");
md.push("");
md.push("| check | runtime | result | notes |");
md.push("|---|---|---|---|");
for (const l of security) {
  md.push(`| ${cell(l.scenario.replace("security: ", ""))} | ${l.runtime} | ${l.result} | ${cell(l.notes)} |`);
}
md.push("");
md.push("## Guarantees");
md.push("");
md.push("Where a record can still be lost or repeated, and why:");
md.push("");
const byScenario = new Map<string, ScenarioResult[]>();
for (const l of records) byScenario.set(l.scenario, [...(byScenario.get(l.scenario) ?? []), l]);
for (const [scenario, rows] of byScenario) {
  const lost = rows.some((r) => r.lost > 0);
  const dup = rows.some((r) => r.duplicates > 0);
  if (!lost && !dup) continue;
  const what = [lost ? "loss" : "", dup ? "duplicates" : ""].filter(Boolean).join(" and ");
  md.push(`- **${scenario}** (${what}): ${rows[0].guarantee}.`);
}
md.push("");
const safe = [...byScenario].filter(([, rows]) => rows.every((r) => r.lost === 0 && r.duplicates === 0));
md.push(`Everywhere else the table shows lost = 0 and no duplicates: ${safe.map(([s]) => s).join("; ")}.`);
md.push("");
md.push("How the faults are made: REST receivers are the runtime's own HTTP server (down, 5xx, 429, slow) and a raw");
md.push("`node:net` server that resets the connection mid-body or never answers; the WebSocket server is killed and");
md.push(
  "restarted on the same port; an unwritable log path is a directory put where the file was, or the file replaced",
);
md.push("by a link to `/dev/full` (the tests run as root, so permission bits would not stop a write).");
md.push("");
await Deno.writeTextFile(`${here}README.md`, md.join("\n"));
const failed = all.filter((l) => l.result === "fail").length + runs.filter((r) => r.code !== 0).length;
console.log(`wrote tests/reliability/README.md: ${all.length} rows, ${failed} failures`);
Deno.exit(failed === 0 ? 0 : 1);
