import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, type LogContext } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";

let n = 0;
const fresh = (config: Record<string, unknown> = {}) =>
  getLogger(`context-test-${n++}`, { backends: [{ type: "memory" }], ...config });

const trapProxy = () =>
  new Proxy({}, {
    ownKeys() {
      throw new Error("ownKeys trap");
    },
    get() {
      throw new Error("get trap");
    },
    getPrototypeOf() {
      throw new Error("getPrototypeOf trap");
    },
  }) as LogContext;
const throwingGetter = (): LogContext => ({
  ok: 1,
  get bad(): unknown {
    throw new Error("getter");
  },
});

test("hostile contexts through bind(), withContext() and a base context: never thrown, record kept and counted", () => {
  for (const make of [trapProxy, throwingGetter]) {
    const logger = fresh();
    let bound: ReturnType<typeof logger.bind> | undefined;
    assert.doesNotThrow(() => bound = logger.bind(make()), "bind never throws");
    assert.doesNotThrow(() => bound!.info("bound"));
    assert.doesNotThrow(() => logger.withContext(make(), () => logger.info("implicit")));
    assert.doesNotThrow(() => logger.bind({ a: 1 }).info("call", make()));
    let based: ReturnType<typeof fresh> | undefined;
    assert.doesNotThrow(() => based = fresh({ context: make() }), "a hostile base context is accepted");
    assert.doesNotThrow(() => based!.info("base"));
    const recs = [...memoryOf(logger).records(), ...memoryOf(based!).records()];
    assert.deepEqual(recs.map((r) => r.message), ["bound", "implicit", "call", "base"]);
    for (const r of recs) {
      const text = JSON.stringify(r.context);
      assert.match(text, /trap|getter/, `the failure is marked: ${text}`);
    }
    assert.equal(logger.getStats().messagesLogged, 3);
    assert.equal(based!.getStats().messagesLogged, 1);
    const ok = JSON.stringify(recs[0].context);
    if (make === throwingGetter) assert.match(ok, /"ok":1/, "readable fields are kept");
  }
});

test("an Error or a Map as the whole context serializes the same on plain and bound loggers", () => {
  const logger = fresh();
  const err = new RangeError("out of range", { cause: new Error("root cause") });
  const map = new Map<string, unknown>([["user", "alice"], ["n", 2]]);
  logger.info("plain error", err as unknown as LogContext);
  logger.bind({}).info("bound error", err as unknown as LogContext);
  logger.withContext({}, () => logger.info("implicit error", err as unknown as LogContext));
  logger.info("plain map", map as unknown as LogContext);
  logger.bind({}).info("bound map", map as unknown as LogContext);
  const [pe, be, ie, pm, bm] = memoryOf(logger).records().map((r) => r.context as Record<string, unknown>);
  assert.equal(pe.name, "RangeError");
  assert.equal(pe.message, "out of range");
  assert.deepEqual(be, pe);
  assert.deepEqual(ie, pe);
  assert.deepEqual(pm, { user: "alice", n: 2 });
  assert.deepEqual(bm, pm);
  // Bound fields still merge in, under the whole context's fields.
  logger.bind({ request_id: "r-1" }).info("merged", err as unknown as LogContext);
  const merged = memoryOf(logger).records().at(-1)!.context as Record<string, unknown>;
  assert.equal(merged.request_id, "r-1");
  assert.equal(merged.message, "out of range");
});

test("child() is an alias of bind()", () => {
  const logger = fresh();
  const child = logger.child({ request_id: "r-9" });
  child.child({ user: "bob" }).info("hi");
  assert.deepEqual(memoryOf(logger).records()[0].context, { request_id: "r-9", user: "bob" });
  assert.equal(child.getBackends()[0], logger.getBackends()[0]);
});

test("which wins on the same key: call context, then withContext, then bind, then the config context", () => {
  const logger = fresh({ context: { k: "config", a: 1 } });
  const bound = logger.bind({ k: "bind", b: 2 });
  bound.withContext({ k: "withContext", c: 3 }, () => {
    bound.info("1");
    bound.info("2", { k: "call" });
  });
  bound.info("3");
  logger.info("4");
  assert.deepEqual(memoryOf(logger).records().map((r) => r.context), [
    { k: "withContext", a: 1, b: 2, c: 3 },
    { k: "call", a: 1, b: 2, c: 3 },
    { k: "bind", a: 1, b: 2 },
    { k: "config", a: 1 },
  ]);
});

test("a record logged while another is being serialized is kept, lands right after it, and is counted once", async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "jinpy-reentrant-"));
  try {
    for (const asyncEnabled of [false, true]) {
      const path = join(dir, `app-${asyncEnabled}.log`);
      const logger = getLogger(`context-reentrant-${n++}`, {
        backends: [{ type: "file", filePath: path, asyncEnabled }, { type: "memory" }],
      });
      const entity = {
        id: 7,
        toJSON() {
          logger.info("from toJSON");
          return { id: this.id };
        },
      };
      // The serializer may read a getter more than once; this one logs on its first read.
      let read = false;
      const getter = {
        get lazyField() {
          if (!read) logger.info("from a getter");
          read = true;
          return 1;
        },
      };
      logger.info("outer", { entity });
      logger.info("second", getter);
      logger.info("last");
      await logger.shutdown();
      const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).message);
      assert.deepEqual(
        lines,
        ["outer", "from toJSON", "second", "from a getter", "last"],
        `asyncEnabled ${asyncEnabled}`,
      );
      const s = logger.getStats();
      assert.equal(s.messagesLogged, 5);
      assert.deepEqual(s.backends.map((b) => b.messagesWritten), [5, 5]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a toJSON that logs itself forever is bounded: the excess is dropped and counted, never a hang", () => {
  const logger = fresh();
  const loop: { toJSON(): unknown } = {
    toJSON() {
      logger.info("again", { loop });
      return "x";
    },
  };
  assert.doesNotThrow(() => logger.info("start", { loop }));
  const s = logger.getStats();
  assert.ok(s.messagesDropped >= 1, "the runaway is counted as dropped");
  assert.equal(memoryOf(logger).lines.length, s.messagesLogged);
});
