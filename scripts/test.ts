/**
 * The whole check: fmt, lint, type check, doc lint, publish dry-run, then the
 * test suite on Deno, Bun and Node 24. Prints `N passed, N failed` last.
 *
 * deno task test [--only deno|bun|node] [--skip-checks] [filter…]
 */

const args = [...Deno.args];
const only = args.includes("--only") ? args.splice(args.indexOf("--only"), 2)[1] : undefined;
const skipChecks = args.includes("--skip-checks") ? (args.splice(args.indexOf("--skip-checks"), 1), true) : false;
const files = args.length > 0 ? args : undefined;
const deno = Deno.execPath();
const env = { NO_COLOR: "1", FORCE_COLOR: "0", JINPY_TEST: "1" };

interface Result {
  name: string;
  passed: number;
  failed: number;
  output: string;
  seconds: number;
}

async function run(
  name: string,
  cmd: string[],
  parse?: (out: string) => [number, number] | undefined,
): Promise<Result> {
  const started = performance.now();
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const { code, stdout, stderr } = await child.output();
  // deno-lint-ignore no-control-regex
  const output = (new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr)).replace(/\x1b\[[0-9;]*m/g, "");
  const seconds = (performance.now() - started) / 1000;
  if (!parse) return { name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, output, seconds };
  const counts = parse(output);
  if (!counts) return { name, passed: 0, failed: 1, output: output + `\n(no summary found; exit ${code})`, seconds };
  const [passed, failed] = counts;
  return { name, passed, failed: failed === 0 && code !== 0 ? 1 : failed, output, seconds };
}

const num = (re: RegExp, out: string): number | undefined => {
  const m = re.exec(out);
  return m ? Number(m[1]) : undefined;
};

function parseDeno(out: string): [number, number] | undefined {
  const m = /(?:ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/.exec(out);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}
function parseBun(out: string): [number, number] | undefined {
  const p = num(/^\s*(\d+) pass$/m, out);
  const f = num(/^\s*(\d+) fail$/m, out);
  return p === undefined || f === undefined ? undefined : [p, f];
}
function parseNode(out: string): [number, number] | undefined {
  const p = num(/^\S* ?pass (\d+)$/m, out);
  const f = num(/^\S* ?fail (\d+)$/m, out);
  return p === undefined || f === undefined ? undefined : [p, f];
}

async function testFiles(): Promise<string[]> {
  if (files) return files;
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith("_test.ts")) out.push(p);
    }
  };
  await walk("tests");
  return out.sort();
}

const results: Result[] = [];
function show(r: Result, always = false) {
  const ok = r.failed === 0;
  console.log(
    `${ok ? "ok  " : "FAIL"} ${r.name.padEnd(22)} ${r.passed} passed, ${r.failed} failed (${r.seconds.toFixed(1)}s)`,
  );
  if (!ok || always) console.log(r.output.split("\n").slice(-80).join("\n"));
}

if (!skipChecks && !only) {
  const checks = await Promise.all([
    run("deno fmt --check", [deno, "fmt", "--check"]),
    run("deno lint", [deno, "lint"]),
    run("deno check", [deno, "check", "mod.ts", "tests/", "examples/", "scripts/", "bench/"]),
    run("deno doc --lint", [deno, "doc", "--lint", "mod.ts"]),
    run("deno publish --dry-run", [deno, "publish", "--dry-run", "--allow-dirty"]),
    run("README config tables", [deno, "run", "-A", "scripts/config_table.ts", "--check"]),
  ]);
  for (const r of checks) {
    if (r.name.startsWith("deno publish") && /warning/i.test(r.output)) {
      r.failed = 1;
      r.passed = 0;
    }
    show(r);
    results.push(r);
  }
}

const list = await testFiles();
const suites: Promise<Result>[] = [];
if (!only || only === "deno") suites.push(run("deno test", [deno, "test", "-A", "--no-check", ...list], parseDeno));
if (!only || only === "bun") {
  suites.push(
    run("bun test", ["npx", "-y", "bun@1", "test", "--timeout", "120000", ...list.map((f) => `./${f}`)], parseBun),
  );
}
if (!only || only === "node") {
  suites.push(run("node@24 --test", ["npx", "-y", "node@24", "--test", "--test-concurrency=1", ...list], parseNode));
}
for (const r of await Promise.all(suites)) {
  show(r);
  results.push(r);
}

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
