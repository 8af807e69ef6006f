/**
 * The pretty printer as a command-line tool on the current runtime: a fixture
 * of records (ours and the Python edition's) mixed with lines that are not
 * records, from a file and from stdin, the filters, colors, and `--follow` on
 * a file that grows, is rotated and truncated.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../mod.ts";
import { findBinary, ROOT, runCommand, runtimeCommand, stopChild, tempDir, waitFor } from "./_helpers.ts";
import { prettyLine } from "../src/exports/pretty.ts";

const CLI = join(ROOT, "src/exports/pretty.ts");
const INPUT = join(ROOT, "tests/fixtures/pretty_input.ndjson");
const EXPECTED = readFileSync(join(ROOT, "tests/fixtures/pretty_expected.txt"), "utf8");
const PLAIN = { NO_COLOR: "1", FORCE_COLOR: "" };
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

const pretty = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) =>
  runCommand([...runtimeCommand(CLI), ...args], { env: { ...PLAIN, ...options.env }, stdin: options.stdin });

describe("pretty printer", () => {
  test("a file: one line per record, every other line unchanged", async () => {
    const r = await pretty([INPUT]);
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.equal(r.stdout, EXPECTED);
    // The lines that are not records are the input's own, byte for byte.
    const input = readFileSync(INPUT, "utf8").split("\n");
    const out = r.stdout.split("\n");
    for (const i of [1, 3, 4, 6, 7, 9, 12, 14]) assert.equal(out[i], input[i]);
  });

  test("stdin, also with -", async () => {
    const input = readFileSync(INPUT, "utf8");
    const a = await pretty([], { stdin: input });
    const b = await pretty(["-"], { stdin: input });
    assert.equal(a.stdout, EXPECTED);
    assert.equal(b.stdout, EXPECTED);
  });

  test("gzipped input (a rotated file) is decompressed", async () => {
    const dir = tempDir();
    try {
      const { gzipSync } = await import("node:zlib");
      const file = join(dir.path, "app.log.1.gz");
      writeFileSync(file, gzipSync(readFileSync(INPUT)));
      const r = await pretty([file]);
      assert.equal(r.stderr, "");
      assert.equal(r.stdout, EXPECTED);
    } finally {
      dir.cleanup();
    }
  });

  test("--level warning keeps warning and above, and every line that is not a record", async () => {
    const r = await pretty(["--level", "warning", INPUT]);
    const expected = EXPECTED.split("\n").filter((l) =>
      !/^\d{4}-\d\d-\d\d [\d:]{8}(\.\d{3})?(Z|[+-]\d\d:\d\d) (INFO|DEBUG) /.test(l)
    ).join("\n");
    assert.equal(r.stdout, expected);
    assert.match(r.stdout, /WARNING +app\.db \[c-7\] slow query/);
    assert.match(r.stdout, /ERROR +pyapp\.billing/);
    assert.doesNotMatch(r.stdout, /Application started|pool ready/);
    assert.match(r.stdout, /^plain text that is not a record$/m);
    const eq = await pretty(["--level=ERROR", INPUT]);
    assert.doesNotMatch(eq.stdout, /slow query/);
    assert.match(eq.stdout, /disk full/);
  });

  test("--logger app.db: that logger and its descendants only", async () => {
    const r = await pretty(["--logger", "app.db", INPUT]);
    const records = r.stdout.split("\n").filter((l) => /^\d{4}-\d\d-\d\d \S+ [A-Z]+ +\S/.test(l) && /Z |\+/.test(l));
    assert.deepEqual(records.map((l) => l.split(/\s+/)[3]), ["app.db.pool", "app.db"]);
    assert.doesNotMatch(r.stdout, /app\.dbx|pyapp/);
    const two = await pretty(["--logger", "app.db", "--logger=pyapp", INPUT]);
    assert.match(two.stdout, /pyapp\.billing/);
    assert.match(two.stdout, /pyapp python upper-case/);
  });

  test("colors: FORCE_COLOR or --color colors the levels; --no-color wins; plain text is never touched", async () => {
    const forced = await pretty([INPUT], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    assert.ok(forced.stdout.includes("\x1b[33mWARNING"));
    assert.ok(forced.stdout.includes("\x1b[31mERROR"));
    assert.equal(forced.stdout.replace(ANSI, ""), EXPECTED);
    const flag = await pretty(["--color", INPUT]);
    assert.equal(flag.stdout, forced.stdout);
    const off = await pretty(["--no-color", INPUT], { env: { FORCE_COLOR: "1" } });
    assert.equal(off.stdout, EXPECTED);
  });

  test("on a terminal: colored, unless NO_COLOR is set", {
    skip: findBinary("script") ? false : "no `script` to make a terminal",
  }, () => {
    // `script` runs the CLI on a pseudo-terminal, as a user's shell would.
    const cmd = [...runtimeCommand(CLI), INPUT].map((a) => `'${a}'`).join(" ");
    const run = (noColor: string) =>
      spawnSync("script", ["-qec", cmd, "/dev/null"], {
        env: {
          ...(globalThis as unknown as { process: { env: Record<string, string> } }).process.env,
          NO_COLOR: noColor,
          FORCE_COLOR: "",
        },
        encoding: "utf8",
        timeout: 60_000,
      });
    const tty = run("");
    assert.equal(tty.status, 0, tty.stderr);
    assert.ok(tty.stdout.includes("\x1b[32mINFO"), tty.stdout);
    const no = run("1");
    assert.equal(no.status, 0, no.stderr);
    assert.doesNotMatch(no.stdout, ANSI);
    assert.match(no.stdout, /WARNING +app\.db \[c-7\] slow query/);
  });

  test("bad arguments: exit 2 with the usage; a missing file: exit 1", async () => {
    const bad = await pretty(["--level", "loud", INPUT]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown log level "loud"/);
    assert.match(bad.stderr, /usage: pretty/);
    const unknown = await pretty(["--frobnicate"]);
    assert.equal(unknown.code, 2);
    const missing = await pretty(["/nonexistent/app.log"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pretty: .*nonexistent/);
  });

  test("--follow: a growing file, a line split across writes, then rotation and truncation", async () => {
    const dir = tempDir();
    const file = join(dir.path, "app.log");
    const rec = (m: string) =>
      JSON.stringify({ timestamp: "2026-01-02T03:04:05.000Z", level: "info", message: m, logger_name: "f" }) + "\n";
    writeFileSync(file, rec("one"));
    const cmd = [...runtimeCommand(CLI), "--follow", file];
    const child = spawn(cmd[0], cmd.slice(1), {
      env: { ...(globalThis as unknown as { process: { env: Record<string, string> } }).process.env, ...PLAIN },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => out += d);
    const lines = () => out.split("\n").filter((l) => l !== "").map((l) => l.replace(/^.* INFO +f /, ""));
    try {
      assert.ok(await waitFor(() => lines().length === 1, 30_000), out);
      const second = rec("two");
      appendFileSync(file, second.slice(0, 20));
      appendFileSync(file, second.slice(20) + "not a record\n");
      assert.ok(await waitFor(() => lines().length === 3, 30_000), out);
      // Rotation: the old file gets a last line, then a new file takes the name.
      appendFileSync(file, rec("three"));
      renameSync(file, file + ".1");
      writeFileSync(file, rec("four"));
      assert.ok(await waitFor(() => lines().length === 5, 30_000), out);
      // Truncation: read again from the start.
      writeFileSync(file, rec("5"));
      assert.ok(await waitFor(() => lines().length === 6, 30_000), out);
      assert.deepEqual(lines(), ["one", "two", "not a record", "three", "four", "5"]);
    } finally {
      await stopChild(child);
      dir.cleanup();
    }
  });

  test("what the file backend writes reads back, record for record", async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, "logs/app.log");
      const logger = getLogger("pretty.e2e", { backends: [{ type: "file", filePath: file, level: "debug" }] });
      logger.debug("first", { n: 1 });
      logger.info("tab\tand newline\n inside", { path: "/a b" });
      logger.error("third", { err: new Error("bad") });
      await logger.shutdown();
      const written = readFileSync(file, "utf8");
      const r = await pretty([file]);
      const out = r.stdout.split("\n").filter((l) => l !== "");
      assert.equal(out.length, 3);
      assert.equal(out.length, written.split("\n").filter((l) => l !== "").length);
      assert.match(out[0], /DEBUG +pretty\.e2e first n=1$/);
      assert.match(out[1], /INFO +pretty\.e2e tab\tand newline\\n inside path="\/a b"$/);
      assert.match(out[2], /ERROR +pretty\.e2e third err=\{.*bad.*\}$/);
      // The library function gives the same lines.
      assert.deepEqual(written.split("\n").filter((l) => l !== "").map((l) => prettyLine(l)), out);
    } finally {
      dir.cleanup();
    }
  });
});
