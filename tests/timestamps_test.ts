import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, LogEntry } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";
import { findBinary, runCommand } from "./_helpers.ts";

const PYTHON_FORM = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\+00:00$/;

test("records carry the Python edition's timestamp: microseconds and +00:00, within a millisecond of the wall clock", () => {
  const logger = getLogger("ts_form", { backends: [{ type: "memory" }] });
  const before = Date.now();
  for (let i = 0; i < 50; i++) logger.info("tick", { i });
  const after = Date.now();
  const mem = memoryOf(logger);
  let subMillisecond = 0;
  for (const [i, record] of mem.records().entries()) {
    const m = PYTHON_FORM.exec(record.timestamp as string);
    assert.ok(m, `timestamp ${record.timestamp}`);
    const ms = Date.parse(m[1] + "Z") + Number(m[2]) / 1000;
    // Date.now() truncates to the millisecond; the high-resolution anchor is exact to within one.
    assert.ok(ms > before - 1 && ms < after + 2, `${record.timestamp} between ${before} and ${after}`);
    // The text is the entry's own time, to the microsecond (give or take the rounding of a double).
    const micros = (mem.entries[i].timestamp * 1000) % 1_000_000;
    const apart = Math.abs(micros - Number(m[2]));
    assert.ok(Math.min(apart, 1_000_000 - apart) < 1.5, `${micros} vs ${m[2]}`);
    if (!m[2].endsWith("000")) subMillisecond++;
  }
  assert.ok(subMillisecond > 0, "microseconds come from the high-resolution clock, not a millisecond clock");
});

test("timestamps across millisecond and second boundaries, in any order, keep every digit", () => {
  // 2026-11-25T10:56:14Z; each time is given out of order so that no text is reused from a neighbour.
  const base = Date.UTC(2026, 10, 25, 10, 56, 14);
  const cases: [number, string][] = [
    [base + 556.768, "2026-11-25T10:56:14.556768+00:00"],
    [base + 556.001, "2026-11-25T10:56:14.556001+00:00"],
    [base + 557.25, "2026-11-25T10:56:14.557250+00:00"],
    [base + 999.999, "2026-11-25T10:56:14.999999+00:00"],
    [base + 1000, "2026-11-25T10:56:15.000000+00:00"],
    [base + 556.5, "2026-11-25T10:56:14.556500+00:00"],
    [base - 0.5, "2026-11-25T10:56:13.999500+00:00"],
    [base + 86_400_000 + 556.768, "2026-11-26T10:56:14.556768+00:00"],
  ];
  for (const [ms, want] of cases) assert.equal(new LogEntry(20, "m", "t", {}, null, ms).toDict().timestamp, want);
});

const python = findBinary("python3");

test("Python's datetime.fromisoformat reads the timestamps to the same microsecond", { skip: !python }, async () => {
  const logger = getLogger("ts_python", { backends: [{ type: "memory" }] });
  logger.info("one");
  logger.info("two");
  const stamps = memoryOf(logger).records().map((r) => r.timestamp as string);
  const r = await runCommand([
    python!,
    "-c",
    "import sys, datetime\nfor s in sys.argv[1:]:\n d = datetime.datetime.fromisoformat(s)\n print(d.isoformat(), d.utcoffset())",
    ...stamps,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), stamps.map((s) => `${s} 0:00:00`));
});
