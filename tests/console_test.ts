import { after, test } from "node:test";
import assert from "node:assert/strict";
import { compileStrftime } from "../mod.ts";
import { runScript, runtime, tempDir } from "./_helpers.ts";

const dir = tempDir("jinpy-console-");
after(() => dir.cleanup());
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/;
const lines = (s: string) => s.split("\n").filter((l) => l !== "");

test("the seed's console example: colored, source file:line, microsecond time", async () => {
  const r = await runScript(
    dir.path,
    `import { getLogger, LogLevel } from "@jinpy/logger";
const logger = getLogger("console_app", { backends: [{
  type: "console", level: LogLevel.DEBUG, useColors: true, showSource: true, timestampFormat: "%H:%M:%S.%f",
}] });
logger.info("This will be colored and formatted nicely");
logger.debug("debug too", { user: "alice" });
`,
  );
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, 2);
  assert.match(out[0], ANSI);
  assert.match(out[0], /This will be colored and formatted nicely/);
  assert.match(out[0], /script_\w+\.ts:5\)/);
  assert.match(out[1], /script_\w+\.ts:6\)/);
  assert.match(out[1], /user=alice/);
  // deno-lint-ignore no-control-regex
  assert.match(out[0].replaceAll(/\x1b\[[0-9;]*m/g, ""), /^\d\d:\d\d:\d\d\.\d{6} INFO +console_app /);
});

test("a forged newline stays one line in every format (CWE-117)", async () => {
  const r = await runScript(
    dir.path,
    `import { getLogger } from "@jinpy/logger";
for (const format of ["console", "plain", "structured", "json"]) {
  const logger = getLogger("inj-" + format, { backends: [{ type: "console", format, useColors: false }] });
  logger.info("user logged in\\n2026-01-01 00:00:00 CRITICAL admin: forged\\r\\u001b[2J\\u2028x", { "k\\ny": "v\\nw" });
}
`,
  );
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, 4, r.stdout);
  for (const l of out) {
    assert.ok(!l.includes("\r") && !l.includes("\x1b") && !l.includes("\u2028"), l);
    assert.match(l, /user logged in\\n2026/);
  }
  assert.equal(
    JSON.parse(out[3]).message,
    "user logged in\n2026-01-01 00:00:00 CRITICAL admin: forged\r\u001b[2J\u2028x",
  );
});

test("JSON lines arrive exactly when bursts of one-byte and multi-byte text alternate", async () => {
  // Bursts of 64 KiB and more reuse one buffer; text of more bytes than
  // characters takes its own. Each record is compared by its whole text.
  const r = await runScript(
    dir.path,
    `import { getLogger } from "@jinpy/logger";
const logger = getLogger("mix", { backends: [{ type: "console", format: "json" }] });
const texts = ["a".repeat(300), "ü€😀".repeat(120), "plain " + "b".repeat(40), "日本語".repeat(400)];
for (let burst = 0; burst < 12; burst++) {
  for (let i = 0; i < 400; i++) logger.info(texts[burst % texts.length], { burst, i });
  await new Promise((r) => setTimeout(r, 0));
}
await logger.flush();
console.error(JSON.stringify(logger.getBackends()[0].getStats()));
`,
  );
  assert.equal(r.code, 0, r.stderr);
  const texts = ["a".repeat(300), "ü€😀".repeat(120), "plain " + "b".repeat(40), "日本語".repeat(400)];
  const out = lines(r.stdout);
  assert.equal(out.length, 12 * 400);
  out.forEach((l, n) => {
    const rec = JSON.parse(l);
    const burst = Math.floor(n / 400);
    assert.equal(rec.message, texts[burst % texts.length]);
    assert.deepEqual(rec.context, { burst, i: n % 400 });
  });
  const stats = JSON.parse(r.stderr.trim().split("\n").pop()!);
  assert.equal(stats.messagesWritten, 12 * 400);
  assert.equal(stats.bytesWritten, Buffer.byteLength(r.stdout));
});

test("colors follow the environment: off in a pipe, NO_COLOR off, FORCE_COLOR on", async () => {
  const src = `import { getLogger } from "@jinpy/logger";
getLogger("c").warning("w");`;
  const piped = await runScript(dir.path, src);
  assert.doesNotMatch(piped.stdout, ANSI);
  const forced = await runScript(dir.path, src, { env: { FORCE_COLOR: "1", NO_COLOR: "" } });
  assert.match(forced.stdout, ANSI);
  const no = await runScript(dir.path, src, { env: { NO_COLOR: "1", FORCE_COLOR: "" } });
  assert.doesNotMatch(no.stdout, ANSI);
  const plain = await runScript(
    dir.path,
    `import { getLogger } from "@jinpy/logger";
getLogger("p", { backends: [{ type: "console", format: "plain" }] }).warning("w");`,
    { env: { FORCE_COLOR: "1", NO_COLOR: "" } },
  );
  assert.match(plain.stdout, /WARNING/);
  assert.doesNotMatch(plain.stdout, ANSI, "the plain format is never colored");
});

test("stream stderr and the plain and structured formats", async () => {
  const r = await runScript(
    dir.path,
    `import { getLogger } from "@jinpy/logger";
getLogger("s", { backends: [{ type: "console", stream: "stderr", format: "structured" }] }).error("to stderr", { n: 1, s: "a b" });
getLogger("p", { backends: [{ type: "console", format: "plain", timestampFormat: "%Y" }] }).info("plain", { k: "v" });
`,
  );
  assert.match(r.stderr, /^timestamp=\S+\+00:00 level=error logger=s message="to stderr" n=1 s="a b"$/m);
  assert.match(r.stdout, /^\d{4} INFO +p: plain k=v$/m);
});

test("records logged right before an explicit exit() are written", async () => {
  const r = await runScript(
    dir.path,
    `import { getLogger } from "@jinpy/logger";
const logger = getLogger("exit", { backends: [{ type: "console", format: "json" }] });
for (let i = 0; i < 1000; i++) logger.info("r" + i);
(globalThis as any).process.exit(3);
`,
  );
  assert.equal(r.code, 3);
  assert.equal(lines(r.stdout).length, 1000);
});

test(
  "the console works under deno run with no permissions at all",
  { skip: runtime !== "deno" ? "Deno permissions only" : undefined },
  async () => {
    const r = await runScript(
      dir.path,
      `import { configureFromEnv, getLogger } from "@jinpy/logger";
configureFromEnv();
const logger = getLogger("noperm");
logger.info("works without permissions", { ok: true });
logger.bind({ a: 1 }).warning("bound");
`,
      { denoFlags: [] },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /works without permissions ok=true/);
    assert.match(r.stdout, /bound a=1/);
    assert.doesNotMatch(r.stderr, /PermissionDenied|NotCapable|prompt/i);
  },
);

test(
  "configureFromEnv under Deno without --allow-env says once which permission is missing; a partial grant is read",
  { skip: runtime !== "deno" ? "Deno permissions only" : undefined },
  async () => {
    const src = `import { configureFromEnv, getLogger } from "@jinpy/logger";
configureFromEnv();
configureFromEnv();
getLogger("envperm").debug("debug shown only when LOGGER_LEVEL was read");
getLogger("envperm").info("info");
`;
    const none = await runScript(dir.path, src, { denoFlags: [], env: { LOGGER_LEVEL: "debug" } });
    assert.equal(none.code, 0, none.stderr);
    const said = none.stderr.split("\n").filter((l) => l.includes("configureFromEnv"));
    assert.equal(said.length, 1, none.stderr);
    assert.match(said[0], /cannot read LOGGER_\* variables .*the env permission is missing.*--allow-env/);
    assert.doesNotMatch(none.stdout, /debug shown/);
    assert.match(none.stdout, /info/);
    const some = await runScript(dir.path, src, {
      denoFlags: ["--allow-env=LOGGER_LEVEL", "--allow-read"],
      env: { LOGGER_LEVEL: "debug" },
    });
    assert.equal(some.code, 0, some.stderr);
    assert.match(some.stdout, /debug shown only when LOGGER_LEVEL was read/);
    assert.doesNotMatch(some.stderr, /configureFromEnv/);
  },
);

test("configureFromEnv reads level, backends and format from LOGGER_ variables", async () => {
  const r = await runScript(
    dir.path,
    `import { configureFromEnv, getLogger } from "@jinpy/logger";
configureFromEnv();
getLogger("envapp").debug("debug from env");
`,
    { env: { LOGGER_LEVEL: "debug", LOGGER_BACKENDS: "console", LOGGER_FORMAT: "json" } },
  );
  assert.equal(r.code, 0, r.stderr);
  const rec = JSON.parse(lines(r.stdout)[0]);
  assert.equal(rec.level, "debug");
  assert.equal(rec.message, "debug from env");
});

test("a failing backend is reported once on stderr, without secrets", async () => {
  const r = await runScript(
    dir.path,
    `import { BackendFactory, BaseBackend, getLogger } from "@jinpy/logger";
class Flaky extends BaseBackend {
  override handle() { throw new Error("rejected: Authorization Bearer abc123supersecret at https://u:hunter22@h/x"); }
}
BackendFactory.registerBackendType("flaky", Flaky);
const logger = getLogger("f", { backends: [{ type: "flaky" }, { type: "console", format: "json" }] });
for (let i = 0; i < 5; i++) logger.error("still written " + i);
console.error(JSON.stringify(logger.getStats().backends[0]));
`,
  );
  assert.equal(r.code, 0);
  assert.equal(lines(r.stdout).length, 5);
  const reports = lines(r.stderr).filter((l) => l.startsWith("[@jinpy/logger]"));
  assert.equal(reports.length, 1, r.stderr);
  assert.ok(!r.stderr.includes("abc123supersecret"), r.stderr);
  assert.ok(!r.stderr.includes("hunter22"), r.stderr);
  assert.match(r.stderr, /"messagesFailed":5/);
});

test("compileStrftime renders the directives in local time", () => {
  const t = new Date(2026, 0, 2, 3, 4, 5, 678).getTime();
  assert.equal(compileStrftime("%Y-%m-%d %H:%M:%S.%f")(t), "2026-01-02 03:04:05.678000");
  assert.equal(compileStrftime("%y %j %a %b %I%p %L %%")(t), "26 002 Fri Jan 03AM 678 %");
  assert.match(compileStrftime("%z")(t), /^[+-]\d{4}$/);
});
