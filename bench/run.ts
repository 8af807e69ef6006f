/**
 * The benchmark driver: installs the peer loggers into `bench/peers/`, runs
 * every case in a fresh process on Deno, Bun and Node 24, prints the tables
 * and writes `bench/RESULTS.md`.
 *
 *   deno task bench                 # full run (about 9 min on 2 idle cores)
 *   deno task bench --quick         # 1 run, a tenth of the records, no RESULTS.md
 *   deno task bench --cases=file,rest --runtimes=deno,bun --runs=5 --out=/tmp/r.md
 *   deno task bench --no-install    # use bench/peers/node_modules as it is
 *   deno task bench --cases=http,startup --update   # rewrite only these cases (and their targets) in RESULTS.md
 *   deno task bench --cases=http --http-seconds=5   # longer wrk runs (default 2 s, quick 1 s)
 */
import { type CaseInfo, caseTable, type Cell, type Results, type Run, targetsTable } from "./report.ts";
import { findWrk } from "./cases/_wrk.ts";

interface CaseSpec extends CaseInfo {
  file: string;
  n: number;
  /** Fewer records for implementations too slow for the full count. */
  implN?: Record<string, number>;
  /** Runs per implementation (default: `--runs`). */
  runs?: number;
  /** Point the case's stdout at /dev/null. */
  quietStdout?: boolean;
  /** Only on these runtimes (default: every runtime of the run). */
  runtimes?: string[];
  /** Extra arguments of every process of the case. */
  args?: () => string[];
  /** Extra explanation under the table. */
  about: string;
}

const FILE_IMPLS = ["raw", "ours", "pino", "logtape-file", "logtape-stream", "winston"];

const CASES: CaseSpec[] = [
  {
    name: "file",
    title: "file: JSON records with three context fields to a file, flushed at the end",
    kind: "rate",
    file: "file.ts",
    impls: FILE_IMPLS,
    n: 200_000,
    implN: { "logtape-file": 10_000, winston: 100_000 },
    about: "raw = `JSON.stringify` of the same wire object + 1 MiB synchronous appends; pino 10 with " +
      "`pino.destination({ dest, sync: false })`; LogTape `getFileSink` (defaults: 8 KiB buffer, fsync on every " +
      "flush, hence fewer records) and `getStreamFileSink`, both with `jsonLinesFormatter`; winston 3 File " +
      "transport with timestamp + json; ours = FileBackend with its defaults.",
  },
  {
    name: "disabled",
    title: "disabled: calls below the level",
    kind: "disabled",
    file: "disabled.ts",
    impls: ["empty", "ours", "pino"],
    n: 10_000_000,
    about:
      "`logger.debug(msg, ctx)` on an INFO logger vs. an empty method called the same way (after 100 k warm-up calls; each process reports the median of five loops of n calls).",
  },
  {
    name: "filters",
    title: "filters: records through per-backend filters to a file",
    kind: "rate",
    file: "filters.ts",
    impls: ["none", "fingers-crossed", "sample"],
    n: 200_000,
    about: "Log calls per second into one FileBackend at DEBUG: none = no filter; fingers-crossed = " +
      '`fingersCrossed: { level: "error" }`, each request (`withContext`) nine DEBUG + one INFO record, one ' +
      "request in a hundred ends with ERROR instead and is written; sample = `sample: 0.1`.",
  },
  {
    name: "trace_ids",
    title: "trace ids: looking up the active OpenTelemetry span, per record",
    kind: "disabled",
    file: "trace_ids.ts",
    impls: ["empty", "none", "registered", "span"],
    n: 10_000_000,
    about: "What every record pays to look for a span: none = no OpenTelemetry API registered (one property read); " +
      "registered = a registration shaped like `@opentelemetry/api`'s with no active span; span = an active span " +
      "(its ids copied onto the record). Median of five loops of n lookups after 100 k warm-up calls.",
  },
  {
    name: "console_json",
    title: "console/json: JSON lines to stdout → /dev/null",
    kind: "rate",
    file: "console_json.ts",
    impls: ["raw", "ours", "pino"],
    n: 200_000,
    quietStdout: true,
    about: "ours = console backend, format json; pino to fd 1 (sync false); raw = stringify + 1 MiB writes to fd 1.",
  },
  {
    name: "context_heavy",
    title: "context-heavy: 20 context fields, nested, to a file",
    kind: "rate",
    file: "context_heavy.ts",
    impls: ["raw", "ours", "pino"],
    n: 100_000,
    about: "Same setup as the file case; the context has 20 keys, 6 of them objects or arrays.",
  },
  {
    name: "redaction",
    title: "redaction on: records carrying secrets, to a file",
    kind: "rate",
    file: "redaction.ts",
    impls: ["raw", "ours", "pino"],
    n: 100_000,
    about: "Ours redacts any key containing a sensitive word (default list), at any depth; pino is given the " +
      'three exact paths (`redact: ["password", "api_token", "session.auth"]`); raw replaces the known keys by hand.',
  },
  {
    name: "rest",
    title: "REST: records to a local server that only counts",
    kind: "rate",
    file: "rest.ts",
    impls: ["raw", "ours"],
    n: 200_000,
    columns: [
      { key: "firstMs", title: "ms building / logging" },
      { key: "thenMs", title: "ms sending" },
      { key: "faults", title: "page faults" },
    ],
    about: "ours = RestApiBackend, payloadFormat ndjson, batchSize 1 000, concurrency 1; raw = stringify + batches " +
      "of 1 000 POSTed one at a time with `fetch`. The counting server is a sibling process on 127.0.0.1 (same " +
      "runtime, `node:http`); delivery is checked against its count. ms building / logging: raw's time building " +
      "bodies, ours' log calls (the loop never yields, so every record waits in memory until it ends); ms sending: " +
      "raw's `fetch` calls, ours' `shutdown()`. Page faults: minor page faults of the process over both, each a " +
      "first touch of a memory page; how much one costs depends on the machine.",
  },
  {
    name: "startup",
    title: "startup: import + first log, over a bare runtime start",
    kind: "startup",
    file: "startup.ts",
    impls: ["bare", "ours", "ours-core", "ours-npm", "ours-npm-core", "pino", "logtape", "winston"],
    n: 1,
    runs: 7,
    quietStdout: true,
    args: () => npmPackage ? [`--pkg=${npmPackage}`] : [],
    about: "Wall time of the whole process (median of seven), minus the same script importing nothing. One warm-up " +
      "process per implementation first (Deno's transpile cache). ours = the TypeScript sources (what JSR and " +
      "Deno users run; Node 24 strips their types file by file); ours-npm = the JavaScript of the npm package " +
      "built by `deno task build:npm`; `-core` = the console-only `./core` entry instead of the root (LogTape " +
      "is measured with its console sink, so this is the like-for-like row). The target compares what each " +
      "runtime's users install, console-only: ours-core on Deno, ours-npm-core on Bun and Node. " +
      '"inside" = the import and first log timed by the script itself (wall and CPU), without the runtime\'s ' +
      "own start and exit.",
  },
  {
    name: "http",
    title: "HTTP: hello-world server logging one record per request to a file, driven by wrk",
    kind: "http",
    file: "http.ts",
    impls: ["none", "ours", "pino", "logtape"],
    n: 0,
    runs: 5,
    args: () => [`--duration=${httpSeconds}`, "--warmup=1", "--connections=32"],
    about: "The runtime's own server (`Deno.serve`, `Bun.serve`, `node:http`) answers `Hello, world!`; every " +
      "request logs `request handled` with method, url and status to a file. `wrk -t1 -c32` on 127.0.0.1 for a " +
      "warm-up second, then for the measured seconds; one process per implementation and round, five rounds, " +
      "implementations alternating round by round. none = no logging; ours = FileBackend with its defaults; pino 10 with " +
      "`pino.destination({ dest, sync: false })`; LogTape `getFileSink` with `nonBlocking: true` and " +
      "`jsonLinesFormatter`. Overhead = 1 − with ÷ without. req/CPU-s = requests per CPU-second of the server " +
      "process (all its threads) during the measured phase — the cost per request, less swayed by other load " +
      "than requests/s. Spread = (max − min) ÷ median of the rounds' requests/s.",
  },
  {
    name: "bundle",
    title: "bundle size: `deno bundle --minify` of a tiny app, and its gzip size",
    kind: "size",
    file: "bundle.ts",
    impls: ["ours-console", "ours-full", "logtape-core"],
    n: 1,
    runs: 1,
    runtimes: ["deno"],
    about: "ours-console = `getLogger` + one console record, imported from the smallest `deno.json` export that " +
      "offers `getLogger` (`./core` or `./console` when present, else the root); ours-full = every `deno.json` " +
      "export re-exported; logtape-core = `configure` + `getConsoleSink` + `getLogger` from @logtape/logtape. " +
      "Bundled for the browser platform (no Node built-ins), gzip level 9. The sizes do not depend on the runtime.",
  },
  {
    name: "memory",
    title: "memory: 1 M records to a dead REST endpoint, maxQueueSize 10 000",
    kind: "memory",
    file: "memory.ts",
    impls: ["ours"],
    n: 1_000_000,
    about: "The endpoint refuses connections; the logging loop yields every 1 000 records. RSS from " +
      "/proc/self/status (VmRSS, peak = VmHWM). Flat = the second 500 k records add at most 16 MB.",
  },
];

// ---- arguments ----------------------------------------------------------------------------

const flags: Record<string, string> = {};
for (const a of Deno.args) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (m) flags[m[1]] = m[2] ?? "true";
  else {
    console.error(`unknown argument ${a}`);
    Deno.exit(2);
  }
}
const quick = flags.quick === "true";
const defaultRuns = Number(flags.runs ?? (quick ? 1 : 3));
const scale = Number(flags.scale ?? (quick ? 0.1 : 1));
const wantedCases = flags.cases ? new Set(flags.cases.split(",")) : undefined;
const wantedRuntimes = (flags.runtimes ?? "deno,bun,node").split(",");
const update = flags.update === "true";
const outFile = flags.out ?? (quick || (wantedCases && !update) ? undefined : "bench/RESULTS.md");
const httpSeconds = Number(flags["http-seconds"] ?? (quick ? 1 : 2));
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const started = Date.now();
const loadAtStart = readLoad();

function readLoad(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

// ---- helpers ------------------------------------------------------------------------------

async function capture(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(cmd, { args, cwd: ROOT, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  return { code, out: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

// ---- peers --------------------------------------------------------------------------------

async function installPeers(): Promise<void> {
  if (flags["no-install"] === "true") return;
  const peers = `${ROOT}/bench/peers`;
  const marker = `${peers}/node_modules/.package-lock.json`;
  let fresh = false;
  try {
    fresh = Deno.statSync(marker).mtime! >= Deno.statSync(`${peers}/package.json`).mtime!;
  } catch {
    fresh = false;
  }
  if (fresh) return;
  console.log("installing peers: npm install --prefix bench/peers …");
  const r = await capture("npm", ["install", "--prefix", "bench/peers", "--no-audit", "--no-fund"], 300_000);
  if (r.code !== 0) console.log(`npm install failed (peer cases will be skipped):\n${r.out.slice(-2000)}`);
}

function peerVersions(): string {
  const ids = ["pino", "@logtape/logtape", "@logtape/file", "winston"];
  return ids.map((id) => {
    const v = readText(`${ROOT}/bench/peers/node_modules/${id}/package.json`);
    return `${id} ${v ? JSON.parse(v).version : "(not installed)"}`;
  }).join(", ");
}

// ---- runtimes -----------------------------------------------------------------------------

interface RuntimeInfo {
  name: string;
  exec: string;
  prefix: string[];
  version: string;
}

async function resolveRuntime(name: string): Promise<RuntimeInfo | string> {
  if (name === "deno") return { name, exec: Deno.execPath(), prefix: ["run", "-A"], version: Deno.version.deno };
  const pkg = name === "bun" ? "bun@1" : name === "node" ? "node@24" : undefined;
  if (!pkg) return `unknown runtime ${name}`;
  const r = await capture("npx", ["-y", pkg, "-e", "console.log(process.execPath + ' ' + process.version)"]);
  const line = r.out.trim().split("\n").pop() ?? "";
  const [exec, version] = line.split(" ");
  if (r.code !== 0 || !exec) return `${pkg} not available: ${r.out.slice(-300)}`;
  let v = version;
  if (name === "bun") v = (await capture(exec, ["--version"])).out.trim();
  return { name, exec, prefix: [], version: v.replace(/^v/, "") };
}

// ---- one process ----------------------------------------------------------------------------

async function runOnce(rt: RuntimeInfo, spec: CaseSpec, impl: string, n: number): Promise<Run | string> {
  const args = [...rt.prefix, `bench/cases/${spec.file}`, `--impl=${impl}`, `--n=${n}`, ...(spec.args?.() ?? [])];
  const t0 = performance.now();
  const child = new Deno.Command(rt.exec, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: spec.quietStdout ? "null" : "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
  const { code, stderr } = await child.output();
  const wallMs = performance.now() - t0;
  clearTimeout(timer);
  const err = new TextDecoder().decode(stderr);
  if (spec.kind === "startup") {
    if (code !== 0) return `exit ${code}: ${err.trim().split("\n").slice(-3).join(" ")}`;
    const inside = err.split("\n").find((l) => l.startsWith("@@bench "));
    const extra = inside ? (JSON.parse(inside.slice(8)) as Run).extra : undefined;
    return { impl, n: 1, ms: wallMs, rate: 1000 / wallMs, wallMs, extra };
  }
  const line = err.split("\n").find((l) => l.startsWith("@@bench "));
  if (!line) return `exit ${code}, no result: ${err.trim().split("\n").slice(-3).join(" ").slice(0, 300)}`;
  const run = JSON.parse(line.slice(8)) as Run;
  run.wallMs = wallMs;
  return run;
}

// ---- tools --------------------------------------------------------------------------------

/** Installs wrk (a Debian package) when it is missing and we may. */
async function ensureWrk(): Promise<void> {
  if (findWrk()) return;
  if (Deno.uid?.() !== 0) {
    console.log("wrk is missing and this is not root: the HTTP case will be skipped (apt-get install wrk)");
    return;
  }
  console.log("installing wrk: apt-get install wrk …");
  await capture("apt-get", ["update", "-qq"], 300_000);
  const r = await capture("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "wrk"], 300_000);
  if (r.code !== 0) console.log(`apt-get install wrk failed (the HTTP case will be skipped):\n${r.out.slice(-1000)}`);
}

/** Builds the npm package and returns its unpacked folder (for the start-up case), or undefined. */
async function buildNpmPackage(): Promise<string | undefined> {
  const dir = Deno.makeTempDirSync({ prefix: "jinpy-bench-npm-" });
  const r = await capture(Deno.execPath(), ["run", "-A", "scripts/build_npm.ts", `--out=${dir}`, "--keep"], 300_000);
  if (r.code !== 0) {
    console.log(`build:npm failed (ours-npm will fail):\n${r.out.slice(-1500)}`);
    return undefined;
  }
  return `${dir}/package`;
}

// ---- main ---------------------------------------------------------------------------------

await installPeers();
const selected = (name: string) => !wantedCases || wantedCases.has(name);
if (selected("http")) await ensureWrk();
const npmPackage = selected("startup") ? await buildNpmPackage() : undefined;
const runtimes: RuntimeInfo[] = [];
const missingRuntimes: string[] = [];
for (const name of wantedRuntimes) {
  const r = await resolveRuntime(name);
  if (typeof r === "string") missingRuntimes.push(`${name}: ${r}`);
  else runtimes.push(r);
}
const rtNames = runtimes.map((r) => r.name);
console.log(`runtimes: ${runtimes.map((r) => `${r.name} ${r.version}`).join(", ")}`);
if (missingRuntimes.length > 0) console.log(`missing: ${missingRuntimes.join("; ")}`);

const results: Results = {};
const cases = CASES.filter((c) => !wantedCases || wantedCases.has(c.name));
for (const spec of cases) {
  const byRt: Record<string, Record<string, Cell>> = results[spec.name] = {};
  for (const rt of runtimes) {
    if (spec.runtimes && !spec.runtimes.includes(rt.name)) continue;
    const cells: Record<string, Cell> = byRt[rt.name] = {};
    for (const impl of spec.impls) cells[impl] = { runs: [], errors: [] };
    const runs = spec.runs !== undefined && !quick ? Math.max(spec.runs, defaultRuns) : defaultRuns;
    if (spec.kind === "startup") {
      for (const impl of spec.impls) await runOnce(rt, spec, impl, 1);
    }
    const t0 = performance.now();
    for (let r = 0; r < runs; r++) {
      // Interleave implementations so drift in machine load hits all alike.
      for (const impl of spec.impls) {
        const cell = cells[impl];
        if (cell.skipped) continue;
        const n = Math.max(1, Math.round((spec.implN?.[impl] ?? spec.n) * (spec.kind === "startup" ? 1 : scale)));
        const res = await runOnce(rt, spec, impl, n);
        if (typeof res === "string") cell.errors.push(res);
        else if (res.skipped) cell.skipped = res.skipped;
        else cell.runs.push(res);
      }
    }
    const summary = spec.impls.map((impl) => {
      const c = cells[impl];
      if (c.skipped) return `${impl} skipped`;
      if (c.runs.length === 0) return `${impl} failed`;
      return impl;
    });
    console.log(
      `${spec.name.padEnd(14)} ${rt.name.padEnd(5)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${
        summary.join(", ")
      }`,
    );
  }
}

// ---- report -------------------------------------------------------------------------------

function machine(): string {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readText("/proc/cpuinfo"))?.[1] ?? "unknown CPU";
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readText("/proc/meminfo"))?.[1] ?? 0);
  return `${navigator.hardwareConcurrency} cores (nproc), ${cpu}, ${(memKb / 1048576).toFixed(1)} GiB RAM, ` +
    `${Deno.build.os}/${Deno.build.arch}; load average at start ${loadAtStart}, at the end ${readLoad()}`;
}
const NOISE = "The machine may be shared with other work while the bench runs (see the load average above); " +
  "absolute numbers move with that load, so compare ratios taken in the same run, which alternates " +
  "implementations round by round.";

if (npmPackage) Deno.removeSync(npmPackage.replace(/\/package$/, ""), { recursive: true });
const elapsed = (Date.now() - started) / 1000;
const command = `deno task bench${Deno.args.length > 0 ? " " + Deno.args.join(" ") : ""}`;
const parts: string[] = [
  "# Benchmark results",
  "",
  `Generated by \`${command}\` on ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC ` +
  `in ${
    elapsed.toFixed(0)
  } s. Every run is a fresh process; numbers are medians of ${defaultRuns} run(s) unless a case says otherwise` +
  `${quick ? " (quick mode: a tenth of the records — not for publishing)" : ""}.`,
  "",
  `- Machine: ${machine()}`,
  `- Runtimes: ${runtimes.map((r) => `${r.name} ${r.version}`).join(", ")}` +
  (missingRuntimes.length > 0 ? ` (missing: ${missingRuntimes.join("; ")})` : ""),
  `- Peers: ${peerVersions()}`,
  "",
  "Ratios are ours (or the row's implementation) divided by the reference: above 1× is faster than pino, " +
  "100 % is as fast as the raw limit.",
  "",
  "## Targets",
  "",
  "The loop targets (file, disabled, REST, memory) are set for Deno and Bun; the HTTP, bundle and start-up " +
  "targets for every runtime. " + NOISE,
  "",
  targetsTable(results, rtNames),
  "",
  "## Cases",
];
const outPath = outFile ? (outFile.startsWith("/") ? outFile : `${ROOT}/${outFile}`) : undefined;
const previous = update && outPath ? readText(outPath) : "";
const previousDate = /^Generated by `[^`]*` on ([^U]+UTC)/m.exec(previous)?.[1];
if (update && previousDate) {
  // Keep what this run did not measure: the other cases' sections and target rows of the previous run.
  const oldRows = new Map<string, string>();
  const oldTargets = previous.slice(previous.indexOf("\n## Targets"), previous.indexOf("\n## Cases"));
  for (const line of oldTargets.split("\n")) {
    const m = /^\| ([^|]+?) \|/.exec(line);
    if (m && m[1] !== "target" && m[1] !== "---") oldRows.set(m[1], line);
  }
  const at = parts.indexOf(targetsTable(results, rtNames));
  parts[at] = parts[at].split("\n").map((line) => {
    const m = /^\| ([^|]+?) \|((?: — \|)+)$/.exec(line);
    const old = m ? oldRows.get(m[1]) : undefined;
    return old ? old.replace(/^\| ([^|]+?) \|/, `| $1 (run of ${previousDate}) |`) : line;
  }).join("\n");
  parts[2] += ` Cases measured in this run: ${cases.map((c) => c.name).join(", ")}; the others are carried over ` +
    `from the run of ${previousDate}.`;
  const oldSections = previous.split("\n### ").slice(1).map((sec) => "### " + sec.trimEnd());
  for (const spec of CASES) {
    if (cases.includes(spec)) parts.push("", caseTable(spec, results, rtNames), "", spec.about);
    else {
      const old = oldSections.find((sec) => sec.startsWith(`### ${spec.title}`));
      if (old) parts.push("", old, "", `_(carried over from the run of ${previousDate})_`);
    }
  }
} else {
  for (const spec of cases) parts.push("", caseTable(spec, results, rtNames), "", spec.about);
}
const text = parts.join("\n") + "\n";
console.log("\n" + text);
if (outPath) {
  Deno.writeTextFileSync(outPath, text);
  console.log(`wrote ${outFile} (${elapsed.toFixed(0)} s)`);
}
