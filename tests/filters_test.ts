import { existsSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, lazy, type LevelInput } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";
import { tempDir } from "./_helpers.ts";

let n = 0;
const fresh = (backend: Record<string, unknown>, level: LevelInput = "debug") =>
  getLogger(`filters-test-${n++}`, { level, backends: [{ type: "memory", ...backend }] });
const messages = (logger: ReturnType<typeof fresh>) => memoryOf(logger).records().map((r) => r.message);

test("lazy: not evaluated for a disabled call, evaluated once for an enabled one, shared by backends", () => {
  const logger = getLogger(`filters-test-${n++}`, {
    level: "info",
    backends: [{ type: "memory" }, { type: "memory", name: "second", format: "plain" }],
  });
  let calls = 0;
  const value = lazy(() => {
    calls++;
    return { rows: 3, password: "hunter2" };
  });
  logger.debug("disabled", { plan: value });
  assert.equal(calls, 0);
  assert.equal(value.evaluated, false);
  logger.info("enabled", { plan: value });
  assert.equal(calls, 1);
  const rec = memoryOf(logger).records()[0];
  assert.deepEqual(rec.context, { plan: { rows: 3, password: "[REDACTED]" } }, "redacted like any value");
  assert.match(memoryOf(logger, 1).lines[0], /rows/);
});

test("lazy: a value a backend does not take is never computed; an exception becomes a marker", () => {
  const logger = fresh({ level: "error" }, "debug");
  let calls = 0;
  logger.info("the backend takes error only", { v: lazy(() => calls++) });
  assert.equal(calls, 0);
  assert.doesNotThrow(() =>
    logger.error("boom", {
      v: lazy(() => {
        throw new TypeError("no cache");
      }),
    })
  );
  assert.deepEqual(memoryOf(logger).records()[0].context, { v: "[lazy value threw: TypeError: no cache]" });
});

test("fingersCrossed: held below the level, written first and in order when an error arrives", () => {
  const logger = fresh({ fingersCrossed: { level: "error", maxBuffered: 100 } });
  logger.debug("d1");
  logger.info("i1");
  assert.deepEqual(messages(logger), [], "nothing written yet");
  assert.equal(logger.getStats().backends[0].held, 2);
  logger.error("e1");
  assert.deepEqual(messages(logger), ["d1", "i1", "e1"]);
  logger.info("i2");
  logger.critical("c1");
  assert.deepEqual(messages(logger), ["d1", "i1", "e1", "i2", "c1"]);
  const s = logger.getStats().backends[0];
  assert.equal(s.held, 0);
  assert.equal(s.suppressed, 0);
});

test("fingersCrossed: overflow discards the oldest and counts them as suppressed", async () => {
  const logger = fresh({ fingers_crossed: { level: "warning", max_buffered: 3 } });
  for (let i = 0; i < 10; i++) logger.info(`i${i}`);
  let s = logger.getStats();
  assert.equal(s.backends[0].suppressed, 7);
  assert.equal(s.backends[0].held, 3);
  logger.warning("w");
  assert.deepEqual(messages(logger), ["i7", "i8", "i9", "w"]);
  logger.debug("never asked for");
  await logger.shutdown();
  s = logger.getStats();
  assert.equal(s.backends[0].suppressed, 8, "held records are discarded at shutdown, counted");
  assert.equal(s.messagesFiltered, 8);
  assert.equal(s.messagesDropped, 0, "filtering is not a loss");
});

test("fingersCrossed inside withContext: one request's error flushes that request's lines only", async () => {
  const logger = fresh({ fingersCrossed: { level: "error" } });
  const request = (id: string, fail: boolean) =>
    logger.withContext({ request_id: id }, async () => {
      logger.debug(`${id} start`);
      await new Promise((r) => setTimeout(r, 1));
      logger.info(`${id} work`);
      await new Promise((r) => setTimeout(r, 1));
      if (fail) logger.error(`${id} failed`);
    });
  logger.info("outside any request");
  await Promise.all([request("a", false), request("b", true), request("c", false)]);
  const recs = memoryOf(logger).records();
  assert.deepEqual(recs.map((r) => r.message), ["b start", "b work", "b failed"]);
  assert.ok(recs.every((r) => (r.context as Record<string, unknown>).request_id === "b"));
  const s = logger.getStats().backends[0];
  assert.equal(s.suppressed, 4, "the lines of a and c are discarded when their scope ends");
  assert.equal(s.held, 1, "the line outside any request is still held");
  // Nested scopes: an error in the inner one also writes what the outer one held.
  await logger.withContext({ request_id: "d" }, async () => {
    logger.debug("d outer");
    await logger.withContext({ step: "db" }, () => {
      logger.debug("d inner");
      logger.error("d inner failed");
    });
  });
  assert.deepEqual(memoryOf(logger).records().slice(3).map((r) => r.message), ["d outer", "d inner", "d inner failed"]);
});

test("sample: a rate, or a rate per level; sampled-out records are counted", () => {
  const logger = fresh({ sample: 0.1 });
  for (let i = 0; i < 5000; i++) logger.info("x");
  const s = logger.getStats().backends[0];
  assert.equal(s.messagesWritten + Number(s.sampledOut), 5000);
  assert.ok(s.messagesWritten > 350 && s.messagesWritten < 650, `kept ${s.messagesWritten} of 5000 at 0.1`);
  const per = fresh({ sample: { debug: 0, info: 0.5 } });
  for (let i = 0; i < 1000; i++) {
    per.debug("d");
    per.info("i");
    per.warning("w");
  }
  const recs = memoryOf(per).records();
  const count = (l: string) => recs.filter((r) => r.level === l).length;
  assert.equal(count("debug"), 0);
  assert.equal(count("warning"), 1000, "levels not listed are all kept");
  assert.ok(count("info") > 400 && count("info") < 600, `kept ${count("info")} of 1000 at 0.5`);
  const ps = per.getStats();
  assert.equal(ps.backends[0].sampledOut, 2000 - count("info"));
  assert.equal(ps.messagesFiltered, ps.backends[0].sampledOut);
});

test("rateLimit: at most N records per window, then one record saying how many were suppressed", async () => {
  const logger = fresh({ rateLimit: { records: 5, perSeconds: 3600 } });
  for (let i = 0; i < 12; i++) logger.info(`r${i}`);
  assert.deepEqual(messages(logger), ["r0", "r1", "r2", "r3", "r4"]);
  assert.equal(logger.getStats().backends[0].rateLimited, 7);
  await logger.flush();
  const last = memoryOf(logger).records().at(-1)!;
  assert.equal(last.message, "7 records suppressed by rateLimit");
  assert.equal(last.level, "warning");
  assert.equal((last.context as Record<string, unknown>).suppressed, 7);
  await logger.flush();
  assert.equal(memoryOf(logger).lines.length, 6, "said once");
});

test("rateLimit: a new window lets records through again, after the suppressed notice", async () => {
  const logger = fresh({ rateLimit: { records: 2, perSeconds: 0.2 } });
  for (let i = 0; i < 5; i++) logger.info(`a${i}`);
  await new Promise((r) => setTimeout(r, 210));
  logger.info("b0");
  assert.deepEqual(messages(logger), ["a0", "a1", "3 records suppressed by rateLimit", "b0"]);
});

test("filters work on every backend type and are checked at configuration time", (t) => {
  const dir = tempDir("jinpy-filters-"); // the file backend's path, not the working directory
  t.after(() => dir.cleanup());
  const extra: Record<string, Record<string, unknown>> = {
    file: { filePath: `${dir.path}/app.log` },
    rest_api: { endpoint: "http://127.0.0.1:9/logs" },
    websocket: { endpoint: "ws://127.0.0.1:9/logs" },
  };
  for (const type of ["console", "file", "rest_api", "websocket", "memory"]) {
    assert.throws(
      () => getLogger(`filters-bad-${type}`, { backends: [{ type, ...extra[type], sample: 2 }] }),
      /"sample" expected a number from 0 to 1/,
      type,
    );
  }
  assert.ok(!existsSync(`${dir.path}/app.log`), "an invalid filter fails before the file backend opens its file");
  assert.throws(() => fresh({ rateLimit: { records: 0 } }), /rateLimit.records/);
  assert.throws(() => fresh({ fingersCrossed: { level: "loud" } }), /fingersCrossed.level/);
  assert.throws(() => fresh({ fingersCrossed: { levle: "error" } }), /fingersCrossed.levle/);
});

test("filters act on a real backend: a file backend behind fingersCrossed writes held lines only after an error", async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "jinpy-filters-"));
  try {
    const path = join(dir, "app.log");
    const logger = getLogger(`filters-file-${n++}`, {
      level: "debug",
      backends: [{ type: "file", filePath: path, asyncEnabled: false, fingersCrossed: { level: "error" } }],
    });
    logger.debug("quiet");
    await logger.flush();
    assert.equal(readFileSync(path, "utf8"), "");
    logger.error("loud");
    await logger.shutdown();
    const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).message);
    assert.deepEqual(lines, ["quiet", "loud"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
