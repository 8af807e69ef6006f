import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BackendFactory,
  BaseBackend,
  getLogger,
  type LogEntry,
  Logger,
  LogLevel,
  setGlobalConfig,
  shutdownAll,
} from "../mod.ts";
import { type MemoryBackend, memoryOf } from "./_memory_backend.ts";

let n = 0;
const fresh = (config: Record<string, unknown> = {}) =>
  getLogger(`logger-test-${n++}`, { backends: [{ type: "memory" }], ...config });

test("getLogger without config returns the same instance per name", () => {
  const a = getLogger("same-name");
  assert.equal(getLogger("same-name"), a);
  assert.notEqual(getLogger("other-name"), a);
  assert.ok(a instanceof Logger);
});

test("level methods write records at their levels; below the level nothing is built", () => {
  const logger = fresh({ level: "debug" });
  logger.trace("t");
  logger.debug("d");
  logger.info("i");
  logger.warning("w");
  logger.warn("w2");
  logger.error("e");
  logger.critical("c");
  logger.fatal("f");
  logger.log("ERROR", "l");
  const levels = memoryOf(logger).records().map((r) => r.level);
  assert.deepEqual(levels, ["debug", "info", "warning", "warning", "error", "critical", "critical", "error"]);
});

test("a disabled level does not touch the context at all", () => {
  const logger = fresh({ level: "info" });
  let touched = 0;
  const spy = new Proxy({}, {
    get() {
      touched++;
      return 1;
    },
    ownKeys() {
      touched++;
      return [];
    },
  });
  logger.debug("nope", spy);
  assert.equal(touched, 0);
  assert.equal(memoryOf(logger).lines.length, 0);
  assert.equal(logger.getStats().messagesLogged, 0);
});

test("setLevel, getLevel and isEnabledFor", () => {
  const logger = fresh();
  assert.equal(logger.getLevel(), LogLevel.INFO);
  assert.equal(logger.isEnabledFor("debug"), false);
  logger.setLevel("DEBUG");
  assert.equal(logger.getLevel(), 10);
  assert.equal(logger.isEnabledFor(LogLevel.DEBUG), true);
  logger.debug("now visible");
  assert.equal(memoryOf(logger).lines.length, 1);
});

test("bind merges context and shares backends; the parent is unchanged", () => {
  const logger = fresh({ context: { app: "svc" } });
  const child = logger.bind({ request_id: "r-1" });
  const grandchild = child.bind({ user: "alice" });
  grandchild.info("hi", { extra: 1 });
  logger.info("parent");
  const recs = memoryOf(logger).records();
  assert.deepEqual(recs[0].context, { app: "svc", request_id: "r-1", user: "alice", extra: 1 });
  assert.deepEqual(recs[1].context, { app: "svc" });
  assert.equal(child.getBackends()[0], logger.getBackends()[0]);
});

test("disposing a bound child only flushes: the parent keeps logging", async () => {
  const logger = fresh();
  {
    await using request = logger.bind({ request_id: "r-9" });
    request.info("inside the request");
  }
  logger.info("after the request");
  assert.equal(logger.getStats().messagesDropped, 0);
  assert.deepEqual(memoryOf(logger).records().map((r) => r.message), ["inside the request", "after the request"]);
});

test("withContext attaches implicit context across await", async () => {
  const logger = fresh();
  await logger.withContext({ trace_id: "abc" }, async () => {
    await new Promise((r) => setTimeout(r, 5));
    logger.info("inside", { k: 1 });
    await logger.withContext({ span: 2 }, async () => {
      await Promise.resolve();
      logger.info("nested");
    });
  });
  logger.info("outside");
  const recs = memoryOf(logger).records();
  assert.deepEqual(recs.map((r) => r.context), [{ trace_id: "abc", k: 1 }, { trace_id: "abc", span: 2 }, {}]);
});

test("correlation id is carried by every following record", () => {
  const logger = fresh();
  assert.equal(logger.getCorrelationId(), null);
  logger.setCorrelationId("c-1");
  logger.info("a");
  assert.equal(logger.getCorrelationId(), "c-1");
  logger.setCorrelationId(null);
  logger.info("b");
  assert.deepEqual(memoryOf(logger).records().map((r) => r.correlation_id), ["c-1", null]);
});

test("a backend that throws is isolated: the caller never sees it, others still get the record, it is counted", () => {
  class Exploding extends BaseBackend {
    override handle(_entry: LogEntry): void {
      throw new Error("exploded with Bearer sekrit-token-123");
    }
  }
  BackendFactory.registerBackendType("exploding", Exploding);
  const logger = fresh({ backends: [{ type: "exploding" }, { type: "memory" }] });
  assert.doesNotThrow(() => logger.error("still delivered"));
  assert.equal(memoryOf(logger).lines.length, 1);
  const stats = logger.getStats();
  assert.equal(stats.backendErrors, 1);
  assert.equal(stats.messagesFailed, 1);
  const exploding = logger.getBackends()[0];
  assert.equal(exploding.isHealthy(), false);
  assert.ok(!String(exploding.getStats().lastError).includes("sekrit-token-123"));
});

test("log calls never throw, even for hostile messages and contexts", () => {
  const logger = fresh();
  const hostile = {
    toString: () => {
      throw new Error("no string");
    },
  };
  assert.doesNotThrow(() => logger.info(hostile as unknown as string));
  assert.doesNotThrow(() => logger.info("x", 42 as unknown as Record<string, unknown>));
  // @ts-expect-error: an unknown level name fails type checking; at run time the call still never throws.
  assert.doesNotThrow(() => logger.log("bogus-level", "kept at error"));
  assert.doesNotThrow(() => logger.log(Object.create(null), "a level that cannot even be printed"));
  const recs = memoryOf(logger).records();
  assert.equal(recs.length, 4);
  assert.deepEqual(recs[1].context, { value: 42 });
  assert.equal(recs[2].level, "error");
});

test("getStats counts logged records per logger and per backend", () => {
  const logger = fresh({ backends: [{ type: "memory" }, { type: "memory", level: "error", name: "errors" }] });
  logger.info("a");
  logger.error("b");
  const stats = logger.getStats();
  assert.equal(stats.messagesLogged, 2);
  assert.deepEqual(stats.backends.map((b) => [b.name, b.messagesWritten, b.healthy]), [["memory", 2, true], [
    "errors",
    1,
    true,
  ]]);
});

test("shutdown is idempotent, close is its alias, and records after it are counted as dropped", async () => {
  const logger = fresh();
  let shutdowns = 0;
  const mem = memoryOf(logger);
  const original = mem.shutdown.bind(mem);
  mem.shutdown = () => {
    shutdowns++;
    return original();
  };
  const p1 = logger.shutdown();
  const p2 = logger.close();
  assert.equal(p1, p2);
  await p1;
  await logger.shutdown();
  assert.equal(shutdowns, 1);
  logger.info("late");
  assert.equal(mem.lines.length, 0);
  assert.equal(logger.getStats().messagesDropped, 1);
});

test("await using shuts the logger down at scope end", async () => {
  let mem: MemoryBackend | undefined;
  {
    await using logger = fresh();
    logger.info("scoped");
    mem = memoryOf(logger);
  }
  assert.equal(mem.lines.length, 1);
  const after = getLogger("after-dispose-check", { backends: [{ type: "memory" }] });
  assert.ok(after);
});

test("setGlobalConfig configures loggers created without config, including ones made before; they share its backends", async () => {
  const early = getLogger("global-follower");
  early.setCorrelationId("kept-across");
  setGlobalConfig({ level: "warning", backends: [{ type: "memory" }] });
  const late = getLogger("global-late");
  early.info("filtered");
  early.warning("kept");
  late.error("kept too");
  const shared = memoryOf(early);
  assert.equal(memoryOf(late), shared, "one backend for every logger on the global config");
  assert.deepEqual(shared.records().map((r) => [r.logger_name, r.message, r.correlation_id]), [
    ["global-follower", "kept", "kept-across"],
    ["global-late", "kept too", null],
  ]);
  let shutdowns = 0;
  const original = shared.shutdown.bind(shared);
  shared.shutdown = () => {
    shutdowns++;
    return original();
  };
  await late.shutdown();
  assert.equal(shutdowns, 0, "still used by another logger");
  early.warning("still delivered");
  assert.equal(shared.lines.length, 3);
  await shutdownAll();
  assert.equal(shutdowns, 1, "the last logger out shuts the shared backends down, once");
  setGlobalConfig({});
});

test("setGlobalConfig with an invalid config changes nothing; setLevel survives a new global config", () => {
  setGlobalConfig({ backends: [{ type: "memory" }] });
  const logger = getLogger("global-keeps-level");
  logger.setLevel("debug");
  const before = memoryOf(logger);
  assert.throws(() => setGlobalConfig({ backends: [{ type: "memory" }, { type: "nope" }] }));
  assert.equal(memoryOf(logger), before);
  setGlobalConfig({ level: "error", backends: [{ type: "memory" }] });
  assert.notEqual(memoryOf(logger), before);
  assert.equal(logger.getLevel(), 10);
  logger.debug("own level kept");
  assert.deepEqual(memoryOf(logger).records().map((r) => r.message), ["own level kept"]);
  setGlobalConfig({});
});

test("getLogger(name, config) again reconfigures the same logger in place: old references keep working, old backends flushed and closed", async () => {
  const first = getLogger("replaced", { backends: [{ type: "memory" }] });
  const firstMem = memoryOf(first);
  let closed = false;
  const original = firstMem.shutdown.bind(firstMem);
  firstMem.shutdown = () => {
    closed = true;
    return original();
  };
  first.info("before");
  const second = getLogger("replaced", { backends: [{ type: "memory", name: "new" }] });
  assert.equal(second, first, "the same logger object");
  assert.equal(getLogger("replaced"), first);
  first.info("after");
  await Promise.resolve();
  assert.equal(closed, true, "the old backends are closed");
  assert.deepEqual(firstMem.records().map((r) => r.message), ["before"]);
  const newMem = memoryOf(first);
  assert.notEqual(newMem, firstMem);
  assert.deepEqual(newMem.records().map((r) => r.message), ["after"]);
  assert.equal(first.getStats().messagesDropped, 0);
  assert.throws(() => getLogger("replaced", { backends: [{ type: "nope" }] }));
  assert.equal(memoryOf(first), newMem, "an invalid config changes nothing");
  await first.shutdown();
});

test("the seed's health monitoring example: every backend reports its health", () => {
  const logger = fresh({ backends: [{ type: "memory" }, { type: "console", enabled: false }] });
  for (const backend of logger.getBackends()) {
    logger.info("Backend health", { backend_type: backend.constructor.name, healthy: backend.isHealthy() });
  }
  const recs = memoryOf(logger).records();
  assert.deepEqual(recs.map((r) => r.context), [
    { backend_type: "MemoryBackend", healthy: true },
    { backend_type: "ConsoleBackend", healthy: true },
  ]);
});

test("the seed's async example: logging around await, then shutdown flushes", async () => {
  const logger = fresh();
  logger.info("Starting async operation");
  await new Promise((r) => setTimeout(r, 10));
  logger.info("Async operation completed");
  await logger.shutdown();
  assert.deepEqual(memoryOf(logger).records().map((r) => r.message), [
    "Starting async operation",
    "Async operation completed",
  ]);
});
