/**
 * Keeps the benchmark code from rotting: runs a few of our own cases with
 * tiny counts on the current runtime (no peers needed) and renders a report
 * from their results. Timings are not checked; they are noisy.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CaseInfo, caseTable, type Results, type Run, targetsTable } from "../bench/report.ts";
import { ROOT, runCommand, runtime, runtimeCommand } from "./_helpers.ts";

async function runCase(file: string, impl: string, n: number, extra: string[] = []): Promise<Run> {
  const cmd = [...runtimeCommand(`${ROOT}/bench/cases/${file}`), `--impl=${impl}`, `--n=${n}`, ...extra];
  const r = await runCommand(cmd, { cwd: ROOT, timeoutMs: 60_000 });
  const line = r.stderr.split("\n").find((l) => l.startsWith("@@bench "));
  assert.ok(line, `no result from ${file} --impl=${impl} (exit ${r.code}): ${r.stderr.slice(-800)}`);
  assert.equal(r.code, 0, r.stderr.slice(-800));
  return JSON.parse(line.slice("@@bench ".length)) as Run;
}

describe("bench smoke", () => {
  test("file case: ours and the raw limit write every record", async () => {
    for (const impl of ["ours", "raw"]) {
      const run = await runCase("file.ts", impl, 300);
      if (run.skipped) continue;
      assert.equal(run.n, 300);
      assert.equal(run.delivered, 300, `${impl} wrote ${run.delivered} lines`);
      assert.ok(run.rate > 0 && Number.isFinite(run.rate));
    }
  });

  test("disabled case reports ns per call", async () => {
    const run = await runCase("disabled.ts", "ours", 10_000);
    assert.equal(run.n, 10_000);
    assert.ok(Number(run.extra?.nsPerCall) > 0);
  });

  test("rest case delivers every record to the counting server and splits its time", async () => {
    for (const impl of ["ours", "raw"]) {
      const run = await runCase("rest.ts", impl, 2_000);
      if (run.skipped) continue;
      assert.equal(run.delivered, 2_000);
      const { firstMs, thenMs, faults } = run.extra as Record<string, number>;
      assert.ok(firstMs > 0 && thenMs > 0, `${impl}: ${firstMs} + ${thenMs} ms`);
      assert.ok(Math.abs(firstMs + thenMs - run.ms) < 1, `${impl}: the parts add up to ${run.ms} ms`);
      assert.ok(faults >= 0, `${impl}: ${faults} page faults`);
    }
  });

  test("http case: the server answers wrk and ours logs every answered request", async (t) => {
    const run = await runCase("http.ts", "ours", 0, ["--duration=1", "--warmup=0", "--connections=4"]);
    if (run.skipped) return t.skip(run.skipped);
    assert.ok(run.rate > 0 && run.n > 0, `rate ${run.rate}, n ${run.n}`);
    assert.ok(run.delivered! >= run.n, `${run.delivered} lines for ${run.n} answered requests`);
    assert.ok(Number(run.extra?.reqPerCpuSec) > 0);
  });

  test("bundle case measures the console-only import", { skip: runtime !== "deno" && "runs deno bundle" }, async () => {
    const run = await runCase("bundle.ts", "ours-console", 1);
    assert.equal(run.skipped, undefined, run.skipped);
    assert.ok(Number(run.extra?.minBytes) > 1000);
    assert.ok(Number(run.extra?.gzipBytes) < Number(run.extra?.minBytes));
  });

  test("report renders ratios and targets from results", () => {
    const cell = (rate: number, extra?: Record<string, number>) => ({
      runs: [1, 2, 3].map((k) => ({ impl: "x", n: 10, ms: 1, rate: rate * k, extra })),
      errors: [],
    });
    const results: Results = {
      file: { [runtime]: { raw: cell(100), ours: cell(60), pino: cell(20) } },
      disabled: { [runtime]: { empty: cell(1, { nsPerCall: 1 }), ours: cell(1, { nsPerCall: 1.5 }) } },
    };
    const info: CaseInfo = { name: "file", title: "file", kind: "rate", impls: ["raw", "ours", "pino"] };
    const table = caseTable(info, results, [runtime]);
    assert.match(table, /\| ours \| 3\.00× \| 60 % \| 120 \|/);
    const withColumns = caseTable(
      { ...info, name: "disabled", impls: ["ours"], columns: [{ key: "nsPerCall", title: "ns" }] },
      { disabled: results.disabled },
      [runtime],
    );
    assert.match(
      withColumns,
      new RegExp(`\\| impl \\| ${runtime} ÷ pino \\| ${runtime} ÷ raw \\| ${runtime} rec/s \\| ${runtime} ns \\|`),
    );
    assert.match(withColumns, /\| ours \| — \| — \| 2 \| 2 \|/);
    const targets = targetsTable(results, [runtime]);
    assert.match(targets, /file: ours ÷ pino ≥ 3× \| 3\.00×/);
    assert.match(targets, /disabled: ours ns ÷ empty call ns ≤ 2× \| 1\.50×/);

    const http: Results = {
      http: { [runtime]: { none: cell(100), ours: cell(95), pino: cell(80) } },
      startup: {
        [runtime]: {
          bare: { runs: [{ impl: "bare", n: 1, ms: 1, rate: 1, wallMs: 50 }], errors: [] },
          ours: { runs: [{ impl: "ours", n: 1, ms: 1, rate: 1, wallMs: 60 }], errors: [] },
          "ours-core": { runs: [{ impl: "ours-core", n: 1, ms: 1, rate: 1, wallMs: 60 }], errors: [] },
          "ours-npm-core": { runs: [{ impl: "ours-npm-core", n: 1, ms: 1, rate: 1, wallMs: 60 }], errors: [] },
          logtape: { runs: [{ impl: "logtape", n: 1, ms: 1, rate: 1, wallMs: 70 }], errors: [] },
        },
      },
    };
    const t2 = targetsTable(http, [runtime]);
    assert.match(t2, /HTTP requests\/s: ours overhead ≤ 10 % and ≤ ½ pino's \| ours 5 %, pino 20 % ✅ met/);
    assert.match(t2, /start-up, console only: ours ms over bare .* \| 10\.0 vs 20\.0 ms ✅ met/);
  });
});
