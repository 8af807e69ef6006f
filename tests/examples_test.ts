/**
 * Every seed example in examples/ runs and does what it says. Most examples
 * are Deno scripts (their collector is written on Deno.serve), so they run in
 * the Deno pass; the runtime-neutral ones run on every runtime.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT, runCommand, runtime, runtimeCommand, tempDir } from "./_helpers.ts";

const skip = runtime !== "deno" ? "the examples are Deno scripts; they run in the Deno pass" : undefined;
const dir = tempDir("jinpy-examples-");
after(() => dir.cleanup());
let n = 0;

async function example(name: string, flags: string[] = ["-A"], withDir = true) {
  const exec = (globalThis as unknown as { process: { execPath: string } }).process.execPath;
  const out = `${dir.path}/${n++}`;
  (await import("node:fs")).mkdirSync(out);
  const r = await runCommand([exec, "run", ...flags, `${ROOT}/examples/${name}`, ...(withDir ? [out] : [])], {
    timeoutMs: 60_000,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, `${name} exited ${r.code}: ${r.stderr}`);
  return { ...r, dir: out };
}

/** Runs a runtime-neutral example on the current runtime with a fresh log directory. */
async function neutralExample(name: string) {
  const out = `${dir.path}/${n++}`;
  (await import("node:fs")).mkdirSync(out);
  const r = await runCommand([...runtimeCommand(`${ROOT}/examples/${name}`), out], {
    timeoutMs: 60_000,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, `${name} exited ${r.code}: ${r.stderr}`);
  return { ...r, dir: out };
}

test("examples/console.ts prints colored records with source locations, secrets redacted", { skip }, async () => {
  const r = await example("console.ts", [], false);
  assert.match(r.stdout, /This will be colored and formatted nicely/);
  assert.ok(r.stdout.includes("\x1b["), "colored");
  assert.match(r.stdout, /console\.ts:\d+/);
  assert.match(r.stdout, /password=\[REDACTED\]/);
});

test("examples/custom_backend.ts sends INFO to the custom destination with custom_param", { skip }, async () => {
  const r = await example("custom_backend.ts", [], false);
  assert.match(r.stdout, /custom destination \(custom_param=value\): \{.*"message":"Hello from the custom backend"/);
  assert.doesNotMatch(r.stdout, /below INFO/);
  assert.match(r.stdout, /custom backend shut down/);
});

test(
  "examples/multiple_backends.ts routes by level: debug console only, info + file, error everywhere",
  { skip },
  async () => {
    const r = await example("multiple_backends.ts");
    assert.match(r.stdout, /Debug information/);
    assert.match(r.stdout, /file: 2 records \(info, error\)/);
    assert.match(r.stdout, /rest: 1 records \(error\)/);
  },
);

test("examples/async_operations.ts writes both records through the production preset", { skip }, async () => {
  const r = await example("async_operations.ts");
  assert.match(r.stdout, /file has 2 records/);
});

test("examples/performance_tuning.ts keeps all 100 000 records", { skip }, async () => {
  const r = await example("performance_tuning.ts");
  assert.match(r.stdout, /100000 lines on disk/);
});

test("examples/error_handling.ts delivers everything through an outage", { skip }, async () => {
  const r = await example("error_handling.ts");
  assert.match(r.stdout, /delivered 30 of 30 after [1-9]\d* refused requests/);
});

test("examples/security.ts sends encrypted bodies the collector decrypts", { skip }, async () => {
  const r = await example("security.ts", ["-A"], false);
  assert.match(r.stdout, /collector decrypted: card charged \{"order":42,"card_token":"\[REDACTED\]"\}/);
});

test("examples/websocket.ts streams every record to its own collector's WebSocket endpoint", { skip }, async () => {
  const r = await example("websocket.ts", ["-A"], false);
  assert.match(r.stdout, /written 6, dropped 0, failed 0/);
  assert.match(r.stdout, /collector received 6 records: This will be sent via WebSocket \| order placed/);
});

test("examples/lifecycle.ts creates, monitors and shuts down backends (every runtime)", async () => {
  const r = await neutralExample("lifecycle.ts");
  assert.match(r.stdout, /created ConsoleBackend at level 20/);
  assert.match(r.stdout, /"message":"Backend health".*"healthy":true/);
});

test("examples/file_rotation.ts rotates and gzips backups, keeping the newest records (every runtime)", async () => {
  const r = await neutralExample("file_rotation.ts");
  assert.match(r.stdout, /5000 records written, [1-9]\d* rotations/);
  assert.match(r.stdout, /\(10 gzipped\)/);
  assert.match(r.stdout, /newest #4999/);
});

test(
  "examples/categories.ts: subtree levels, lazy computed once, only the failed request's lines",
  { skip },
  async () => {
    const r = await example("categories.ts", [], false);
    assert.match(r.stdout, /DEBUG\s+shop\.db\.pool: pool ready/);
    assert.doesNotMatch(r.stdout, /not written/);
    assert.match(r.stdout, /lazy value computed 1 time\(s\)/);
    assert.match(r.stdout, /req-2: parsing body[\s\S]*req-2: calling payment service[\s\S]*req-2: payment declined/);
    assert.doesNotMatch(r.stdout, /req-1|req-3/);
    assert.match(r.stdout, /http backend: 3 written, 4 suppressed/);
  },
);
