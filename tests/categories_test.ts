import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, Logger, setGlobalConfig, shutdownAll } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";
import { join } from "node:path";
import { ROOT, runScript, tempDir } from "./_helpers.ts";

test("dotted names and arrays name the same logger", () => {
  const a = getLogger("cat1.db");
  assert.equal(getLogger(["cat1", "db"]), a);
  assert.equal(a.name, "cat1.db");
  assert.notEqual(getLogger("cat1"), a);
});

test("a logger without config uses its nearest configured ancestor's level and backends", async () => {
  const parent = getLogger("cat2", { level: "warning", backends: [{ type: "memory" }] });
  const child = getLogger("cat2.db.pool");
  const cousin = getLogger("cat2x.db");
  assert.equal(memoryOf(child), memoryOf(parent), "the ancestor's backend, shared");
  assert.notEqual(cousin.getBackends()[0], memoryOf(parent), "cat2x is not below cat2");
  assert.equal(child.getLevel(), 30);
  child.info("below the ancestor's level");
  child.warning("kept");
  assert.deepEqual(memoryOf(parent).records().map((r) => [r.logger_name, r.message]), [["cat2.db.pool", "kept"]]);
  // The nearest ancestor wins over farther ones.
  const mid = getLogger("cat2.db", { level: "debug", backends: [{ type: "memory", name: "mid" }] });
  assert.equal(memoryOf(child), memoryOf(mid), "moved to the nearer ancestor when it got a config");
  child.debug("now at debug");
  assert.deepEqual(memoryOf(mid).records().map((r) => r.message), ["now at debug"]);
  // The nearer ancestor goes away: back to the farther one.
  await mid.shutdown();
  assert.equal(memoryOf(child), memoryOf(parent));
  child.warning("back at cat2");
  assert.equal(memoryOf(parent).records().at(-1)?.message, "back at cat2");
  await parent.shutdown();
});

test("setLevel on an ancestor applies to descendants without a level of their own", () => {
  setGlobalConfig({ level: "info", backends: [{ type: "memory" }] });
  const leaf = getLogger("cat3.a.b");
  const own = getLogger("cat3.a.own");
  own.setLevel("error");
  assert.equal(leaf.isEnabledFor("debug"), false);
  getLogger("cat3").setLevel("debug");
  assert.equal(leaf.getLevel(), 10);
  assert.equal(leaf.isEnabledFor("debug"), true);
  assert.equal(own.getLevel(), 40, "its own level stays");
  leaf.debug("visible");
  assert.equal(memoryOf(leaf).records().at(-1)?.message, "visible");
  setGlobalConfig({});
});

test("setGlobalConfig loggers sets levels per subtree, by dotted names only", async () => {
  setGlobalConfig({
    level: "info",
    backends: [{ type: "memory" }],
    loggers: { "cat4.db": { level: "debug" }, "noisy.lib": { level: "warning" } },
  });
  const db = getLogger("cat4.db.pool");
  const other = getLogger("cat4.http");
  const noisy = getLogger(["noisy", "lib", "inner"]);
  const notNoisy = getLogger("noisy.library");
  db.debug("db debug");
  other.debug("http debug, dropped");
  other.info("http info");
  noisy.info("noisy info, dropped");
  noisy.warning("noisy warning");
  notNoisy.info("library info");
  const mem = memoryOf(db);
  assert.equal(memoryOf(noisy), mem, "one shared backend set");
  assert.deepEqual(mem.records().map((r) => r.message), ["db debug", "http info", "noisy warning", "library info"]);
  assert.equal(getLogger("cat4.db").getLevel(), 10);
  await shutdownAll();
  setGlobalConfig({});
});

test("a category of the global config can have its own backends; its descendants use them", async () => {
  setGlobalConfig({
    backends: [{ type: "memory", name: "root" }],
    loggers: { "cat5.audit": { backends: [{ type: "memory", name: "audit" }] } },
  });
  const audit = getLogger("cat5.audit.login");
  const plain = getLogger("cat5.web");
  audit.info("to audit");
  plain.info("to root");
  assert.equal(audit.getBackends()[0].name, "audit");
  assert.equal(plain.getBackends()[0].name, "root");
  assert.deepEqual(memoryOf(audit).records().map((r) => r.message), ["to audit"]);
  assert.deepEqual(memoryOf(plain).records().map((r) => r.message), ["to root"]);
  assert.throws(
    () => setGlobalConfig({ loggers: { "cat5.bad": { backends: [{ type: "nope" }] } } }),
    /nope/,
  );
  assert.equal(getLogger("cat5.audit.login").getBackends()[0].name, "audit", "an invalid config changes nothing");
  await shutdownAll();
  setGlobalConfig({});
});

test("a disabled call stays a no-op method on loggers that follow an ancestor", () => {
  getLogger("cat6", { level: "info", backends: [{ type: "memory" }] });
  const child = getLogger("cat6.x");
  assert.notEqual(child.debug, Logger.prototype.debug, "debug is swapped for the no-op");
  assert.equal(child.debug, getLogger("cat6").debug);
  assert.equal(child.info, Logger.prototype.info);
  getLogger("cat6").setLevel("debug");
  assert.equal(child.debug, Logger.prototype.debug, "re-gated when the ancestor's level changes");
});

test("loggers without state of their own are not retained by the cache; ones with state are", async () => {
  // In a fresh process: a heap shared with other test files (one process under Bun) may hold stale references.
  const dir = tempDir("jinpy-cache-");
  try {
    const result = await runScript(
      dir.path,
      `import { getLogger, Logger } from "@jinpy/logger";
import { collectGarbage } from ${JSON.stringify(join(ROOT, "tests", "_gc.ts"))};
const refs: WeakRef<Logger>[] = [];
let pinnedRef: WeakRef<Logger> | undefined;
(() => {
  for (let i = 0; i < 100; i++) {
    const l = getLogger(\`cat7.request-\${i}\`);
    l.info("per request");
    refs.push(new WeakRef(l));
  }
  const pinned = getLogger("cat7.pinned");
  pinned.setLevel("debug");
  pinnedRef = new WeakRef(pinned);
})();
await getLogger("cat7").flush();
const collected = await collectGarbage();
await collectGarbage();
const alive = refs.filter((r) => r.deref() !== undefined).length;
const pinned = pinnedRef?.deref();
console.log("RESULT " + JSON.stringify({ collected, alive, pinned: pinned !== undefined,
  same: getLogger("cat7.pinned") === pinned, level: getLogger("cat7.pinned").getLevel() }));
`,
      { timeoutMs: 60_000 },
    );
    const line = result.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    assert.ok(line, result.stdout + result.stderr);
    const r = JSON.parse(line.slice(7));
    assert.ok(r.collected, "this runtime can force a collection");
    assert.equal(r.alive, 0, `${r.alive} of 100 per-request loggers still alive`);
    assert.ok(r.pinned, "a logger with a level of its own is kept");
    assert.ok(r.same);
    assert.equal(r.level, 10);
  } finally {
    dir.cleanup();
  }
});
