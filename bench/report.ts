/**
 * Turns benchmark runs into the tables of `bench/RESULTS.md`: medians,
 * ratios to pino and to the raw limit (ratios first), and the targets.
 * Pure functions, no I/O, so the smoke test can check them on any runtime.
 */
import type { CaseResult } from "./cases/_common.ts";

/** One finished run of one implementation (what a case prints, plus wall time). */
export interface Run extends CaseResult {
  /** Wall time of the whole process, measured by the driver. */
  wallMs?: number;
}

/** All runs of one implementation of a case on one runtime. */
export interface Cell {
  runs: Run[];
  errors: string[];
  skipped?: string;
}

/** How a case is shown. */
export type CaseKind = "rate" | "disabled" | "startup" | "memory" | "http" | "size";

/** A case as the report knows it. */
export interface CaseInfo {
  name: string;
  title: string;
  kind: CaseKind;
  impls: string[];
  /** Further columns of a rate case, per runtime: the median of each `extra` key. */
  columns?: { key: string; title: string }[];
}

/** results[case][runtime][impl] */
export type Results = Record<string, Record<string, Record<string, Cell>>>;

/** The median of numbers (NaN for none). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function ok(cell: Cell | undefined): Run[] {
  return cell ? cell.runs.filter((r) => r.skipped === undefined) : [];
}

/** Median records (or calls) per second of a cell. */
export function medianRate(cell: Cell | undefined): number {
  return median(ok(cell).map((r) => r.rate));
}

/** Median of an `extra` number of a cell. */
export function medianExtra(cell: Cell | undefined, key: string): number {
  return median(ok(cell).map((r) => Number(r.extra?.[key])).filter((x) => Number.isFinite(x)));
}

/** Median wall time of a cell, ms. */
export function medianWall(cell: Cell | undefined): number {
  return median(ok(cell).map((r) => r.wallMs ?? NaN).filter((x) => Number.isFinite(x)));
}

/** 1234567 → "1.23 M", 12345 → "12.3 k". */
export function fmtRate(x: number): string {
  if (!Number.isFinite(x)) return "—";
  if (x >= 1e9) return (x / 1e9).toFixed(2) + " G";
  if (x >= 1e6) return (x / 1e6).toFixed(2) + " M";
  if (x >= 1e3) return (x / 1e3).toFixed(1) + " k";
  return x.toFixed(0);
}

/** A ratio as "3.21×". */
export function fmtX(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) + "×" : "—";
}

/** A fraction as "62 %". */
export function fmtPct(x: number): string {
  return Number.isFinite(x) ? Math.round(x * 100) + " %" : "—";
}

function fmtNum(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "—";
}

function note(cell: Cell | undefined): string {
  if (!cell) return "not run";
  if (cell.skipped) return "skipped: " + cell.skipped;
  if (ok(cell).length === 0 && cell.errors.length > 0) return "failed: " + cell.errors[0];
  return "";
}

/** A short delivery check: "" when every run delivered `n`, else what was seen. */
function deliveryNote(cell: Cell | undefined, atLeast = false): string {
  const bad = ok(cell).filter((r) => r.delivered !== undefined && (atLeast ? r.delivered < r.n : r.delivered !== r.n));
  return bad.length === 0 ? "" : `delivered ${bad.map((r) => `${r.delivered}/${r.n}`).join(", ")}`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => "| " + cells.join(" | ") + " |";
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Memory growth counts as flat when the second half of the records adds at most this much. */
export const FLAT_MB = 16;

/** The verdict of one target on one runtime. */
export interface TargetRow {
  target: string;
  values: Record<string, { text: string; met: boolean | undefined }>;
  /** The runtimes the target is set for (default: Deno and Bun). */
  runtimes?: Set<string>;
}

/** Spread of a cell's rates: (max − min) ÷ median. */
export function spread(cell: Cell | undefined): number {
  const xs = ok(cell).map((r) => r.rate);
  return xs.length < 2 ? NaN : (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

/** HTTP overhead of an implementation: 1 − its rate ÷ the rate without logging (per `extra` key when given). */
export function overhead(byImpl: Record<string, Cell> | undefined, impl: string, key?: string): number {
  const of = (i: string) => key ? medianExtra(byImpl?.[i], key) : medianRate(byImpl?.[i]);
  return 1 - of(impl) / of("none");
}

/** Start-up cost over a bare start, ms. */
export function startupOver(byImpl: Record<string, Cell> | undefined, impl: string): number {
  return medianWall(byImpl?.[impl]) - medianWall(byImpl?.bare);
}

/**
 * The start-up implementation a console-only user of a runtime gets: the
 * sources' `./core` on Deno, the npm build's elsewhere.
 */
export function startupImpl(rt: string): string {
  return rt === "deno" ? "ours-core" : "ours-npm-core";
}

/** Bundle size goal of a console-only import, bytes. */
export const CONSOLE_BUNDLE_MAX = 20 * 1024;

const TARGET_RUNTIMES = new Set(["deno", "bun"]);

/** Measured ratios against the targets, per runtime. */
export function targets(results: Results, runtimes: string[]): TargetRow[] {
  const rows: TargetRow[] = [];
  const add = (
    target: string,
    f: (rt: string) => { text: string; met: boolean | undefined },
    every = false,
  ) => {
    const values: TargetRow["values"] = {};
    for (const rt of runtimes) values[rt] = f(rt);
    rows.push({ target, values, runtimes: every ? new Set(runtimes) : undefined });
  };
  const cell = (c: string, rt: string, impl: string) => results[c]?.[rt]?.[impl];
  const verdict = (x: number, met: boolean) => Number.isFinite(x) ? met : undefined;
  add("file: ours ÷ pino ≥ 3×", (rt) => {
    const x = medianRate(cell("file", rt, "ours")) / medianRate(cell("file", rt, "pino"));
    return { text: fmtX(x), met: verdict(x, x >= 3) };
  });
  add("file: ours ÷ raw limit ≥ 50 %", (rt) => {
    const x = medianRate(cell("file", rt, "ours")) / medianRate(cell("file", rt, "raw"));
    return { text: fmtPct(x), met: verdict(x, x >= 0.5) };
  });
  add("disabled: ours ns ÷ empty call ns ≤ 2×", (rt) => {
    const x = medianExtra(cell("disabled", rt, "ours"), "nsPerCall") /
      medianExtra(cell("disabled", rt, "empty"), "nsPerCall");
    return { text: fmtX(x), met: verdict(x, x <= 2) };
  });
  add("REST: ours ÷ raw limit ≥ 50 %", (rt) => {
    const x = medianRate(cell("rest", rt, "ours")) / medianRate(cell("rest", rt, "raw"));
    return { text: fmtPct(x), met: verdict(x, x >= 0.5) };
  });
  add(`memory: RSS growth over the second half of the records ≤ ${FLAT_MB} MB`, (rt) => {
    const c = cell("memory", rt, "ours");
    const half = medianExtra(c, "rssHalfMb");
    const end = medianExtra(c, "rssEndMb");
    const tenth = medianExtra(c, "rssTenthMb");
    const x = end - half;
    return {
      text: Number.isFinite(x)
        ? `${fmtNum(x)} MB (RSS at 10 %: ${fmtNum(tenth, 0)}, at 100 %: ${fmtNum(end, 0)}, peak ${
          fmtNum(medianExtra(c, "peakMb"), 0)
        } MB)`
        : "—",
      met: verdict(x, x <= FLAT_MB),
    };
  });
  const httpGoal = (key: string | undefined) => (rt: string) => {
    const byImpl = results.http?.[rt];
    const ours = overhead(byImpl, "ours", key);
    const pino = overhead(byImpl, "pino", key);
    const ok = Number.isFinite(ours) && Number.isFinite(pino);
    return {
      text: ok ? `ours ${fmtPct(ours)}, pino ${fmtPct(pino)}` : "—",
      met: ok ? ours <= 0.1 && ours <= pino / 2 : undefined,
    };
  };
  add("HTTP requests/s: ours overhead ≤ 10 % and ≤ ½ pino's", httpGoal(undefined), true);
  add("HTTP requests per CPU-second: ours overhead ≤ 10 % and ≤ ½ pino's", httpGoal("reqPerCpuSec"), true);
  const bundleRt = Object.keys(results.bundle ?? {})[0];
  add(`bundle: console-only import ≤ ${CONSOLE_BUNDLE_MAX / 1024} KB minified`, () => {
    const x = bundleRt ? medianExtra(results.bundle[bundleRt]["ours-console"], "minBytes") : NaN;
    return { text: Number.isFinite(x) ? `${fmtNum(x / 1024)} KB` : "—", met: verdict(x, x <= CONSOLE_BUNDLE_MAX) };
  }, true);
  add("start-up, console only: ours ms over bare ≤ LogTape's (Deno: sources, Bun and Node: npm build)", (rt) => {
    const byImpl = results.startup?.[rt];
    const ours = startupOver(byImpl, startupImpl(rt));
    const lt = startupOver(byImpl, "logtape");
    const ok = Number.isFinite(ours) && Number.isFinite(lt);
    return { text: ok ? `${fmtNum(ours)} vs ${fmtNum(lt)} ms` : "—", met: ok ? ours <= lt : undefined };
  }, true);
  add("start-up, console only: ours import + first log CPU ms ≤ LogTape's (same builds)", (rt) => {
    const byImpl = results.startup?.[rt];
    const ours = medianExtra(byImpl?.[startupImpl(rt)], "cpuMs");
    const lt = medianExtra(byImpl?.logtape, "cpuMs");
    const ok = Number.isFinite(ours) && Number.isFinite(lt);
    return { text: ok ? `${fmtNum(ours)} vs ${fmtNum(lt)} ms` : "—", met: ok ? ours <= lt : undefined };
  }, true);
  return rows;
}

function mark(v: { text: string; met: boolean | undefined }, rt: string, set = TARGET_RUNTIMES): string {
  if (v.met === undefined) return v.text;
  if (!set.has(rt)) return v.text + " (no target)";
  return v.text + (v.met ? " ✅ met" : " ❌ not met");
}

/** The targets as a Markdown table. */
export function targetsTable(results: Results, runtimes: string[]): string {
  return table(
    ["target", ...runtimes],
    targets(results, runtimes).map((r) => [r.target, ...runtimes.map((rt) => mark(r.values[rt], rt, r.runtimes))]),
  );
}

/** One case as a Markdown table: ratios first, then the absolute numbers. */
export function caseTable(info: CaseInfo, results: Results, runtimes: string[]): string {
  const byRt = results[info.name] ?? {};
  const notes: string[] = [];
  const noteOf = (rt: string, impl: string) => {
    const text = [note(byRt[rt]?.[impl]), deliveryNote(byRt[rt]?.[impl], info.kind === "http")].filter((s) => s !== "")
      .join("; ");
    if (text !== "") notes.push(`${impl} on ${rt}: ${text}`);
  };
  let head: string[];
  let rows: string[][];
  switch (info.kind) {
    case "rate": {
      const columns = info.columns ?? [];
      head = [
        "impl",
        ...runtimes.flatMap((rt) => [
          `${rt} ÷ pino`,
          `${rt} ÷ raw`,
          `${rt} rec/s`,
          ...columns.map((c) => `${rt} ${c.title}`),
        ]),
      ];
      rows = info.impls.map((impl) => [
        impl,
        ...runtimes.flatMap((rt) => {
          noteOf(rt, impl);
          const r = medianRate(byRt[rt]?.[impl]);
          const pino = medianRate(byRt[rt]?.pino);
          const raw = medianRate(byRt[rt]?.raw);
          const more = columns.map((c) => fmtNum(medianExtra(byRt[rt]?.[impl], c.key), 0));
          return [fmtX(r / pino), fmtPct(r / raw), fmtRate(r), ...more];
        }),
      ]);
      break;
    }
    case "disabled": {
      head = ["impl", ...runtimes.flatMap((rt) => [`${rt} ÷ empty`, `${rt} ns/call`, `${rt} calls/s`])];
      rows = info.impls.map((impl) => [
        impl,
        ...runtimes.flatMap((rt) => {
          noteOf(rt, impl);
          const ns = medianExtra(byRt[rt]?.[impl], "nsPerCall");
          const empty = medianExtra(byRt[rt]?.empty, "nsPerCall");
          return [fmtX(ns / empty), fmtNum(ns, 2), fmtRate(medianRate(byRt[rt]?.[impl]))];
        }),
      ]);
      break;
    }
    case "startup": {
      head = [
        "impl",
        ...runtimes.flatMap((rt) => [
          `${rt} pino ÷ impl`,
          `${rt} ms over bare`,
          `${rt} ms total`,
          `${rt} import+log ms inside`,
          `${rt} import+log CPU ms`,
        ]),
      ];
      rows = info.impls.map((impl) => [
        impl,
        ...runtimes.flatMap((rt) => {
          noteOf(rt, impl);
          const bare = medianWall(byRt[rt]?.bare);
          const own = medianWall(byRt[rt]?.[impl]) - bare;
          const pino = medianWall(byRt[rt]?.pino) - bare;
          return [
            impl === "bare" ? "" : fmtX(pino / own),
            impl === "bare" ? "0" : fmtNum(own),
            fmtNum(own + bare),
            fmtNum(medianExtra(byRt[rt]?.[impl], "inProcessMs")),
            fmtNum(medianExtra(byRt[rt]?.[impl], "cpuMs")),
          ];
        }),
      ]);
      break;
    }
    case "http": {
      head = [
        "impl",
        ...runtimes.flatMap((
          rt,
        ) => [`${rt} req/s`, `${rt} overhead`, `${rt} req/CPU-s`, `${rt} CPU overhead`, `${rt} spread`]),
      ];
      rows = info.impls.map((impl) => [
        impl,
        ...runtimes.flatMap((rt) => {
          noteOf(rt, impl);
          const c = byRt[rt]?.[impl];
          const none = impl === "none";
          return [
            fmtRate(medianRate(c)),
            none ? "" : fmtPct(overhead(byRt[rt], impl)),
            fmtRate(medianExtra(c, "reqPerCpuSec")),
            none ? "" : fmtPct(overhead(byRt[rt], impl, "reqPerCpuSec")),
            fmtPct(spread(c)),
          ];
        }),
      ]);
      break;
    }
    case "size": {
      const rts = runtimes.filter((rt) => byRt[rt] !== undefined);
      head = ["impl", "minified KB", "gzip KB", "imported from"];
      rows = info.impls.map((impl) => {
        for (const rt of rts) noteOf(rt, impl);
        const c = rts.length > 0 ? byRt[rts[0]][impl] : undefined;
        const entry = ok(c)[0]?.extra?.entry;
        return [
          impl,
          fmtNum(medianExtra(c, "minBytes") / 1024),
          fmtNum(medianExtra(c, "gzipBytes") / 1024),
          entry === undefined ? "—" : `\`${entry}\``,
        ];
      });
      break;
    }
    case "memory": {
      head = ["impl", ...runtimes.flatMap((rt) => [`${rt} RSS at 10 % → 50 % → 100 % (MB)`, `${rt} peak MB`])];
      rows = info.impls.map((impl) => [
        impl,
        ...runtimes.flatMap((rt) => {
          noteOf(rt, impl);
          const c = byRt[rt]?.[impl];
          return [
            `${fmtNum(medianExtra(c, "rssTenthMb"), 0)} → ${fmtNum(medianExtra(c, "rssHalfMb"), 0)} → ${
              fmtNum(medianExtra(c, "rssEndMb"), 0)
            }`,
            fmtNum(medianExtra(c, "peakMb"), 0),
          ];
        }),
      ]);
      break;
    }
  }
  const n = info.kind === "http" || info.kind === "size" ? "" : firstN(byRt);
  return `### ${info.title}${n}\n\n${table(head, rows)}${
    notes.length > 0 ? "\n\n" + notes.map((s) => `- ${s}`).join("\n") : ""
  }`;
}

function firstN(byRt: Record<string, Record<string, Cell>>): string {
  const ns = new Set<number>();
  for (const rt of Object.values(byRt)) {
    for (const cell of Object.values(rt)) for (const r of ok(cell)) ns.add(r.n);
  }
  return ns.size === 0 ? "" : ` (n = ${[...ns].sort((a, b) => b - a).map((x) => x.toLocaleString("en")).join(" / ")})`;
}
