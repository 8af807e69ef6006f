import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, LoggerConfigurationError, LogLevel, parseLevel } from "../mod.ts";
import "./_memory_backend.ts";

test("LogLevel is frozen with the documented numbers", () => {
  assert.deepEqual({ ...LogLevel }, { TRACE: 5, DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 });
  assert.ok(Object.isFrozen(LogLevel));
});

test("parseLevel accepts values, numbers and names in any case with aliases", () => {
  assert.equal(parseLevel(LogLevel.ERROR), 40);
  assert.equal(parseLevel("INFO"), 20);
  assert.equal(parseLevel("info"), 20);
  assert.equal(parseLevel("Warn"), 30);
  assert.equal(parseLevel("fatal"), 50);
  assert.equal(parseLevel("critical"), 50);
  assert.equal(parseLevel(25), 25);
});

test("an unknown level is rejected with a message naming it", () => {
  assert.throws(
    () => parseLevel("loud"),
    (e: unknown) => e instanceof LoggerConfigurationError && /"loud"/.test(e.message),
  );
  assert.throws(
    // @ts-expect-error: a misspelled level fails type checking too.
    () => getLogger("lv", { level: "verbose" }),
    (e: unknown) => e instanceof LoggerConfigurationError && /"verbose"/.test(e.message) && /level/.test(e.message),
  );
});

test("LogLevel.WARN and LogLevel.FATAL are aliases, not extra levels", () => {
  assert.equal(LogLevel.WARN, LogLevel.WARNING);
  assert.equal(LogLevel.FATAL, LogLevel.CRITICAL);
  assert.deepEqual(Object.keys(LogLevel), ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
  const warn = getLogger("lv_alias_w", { level: LogLevel.WARN, backends: [{ type: "memory" }] });
  assert.equal(warn.isEnabledFor("warning"), true);
  assert.equal(warn.isEnabledFor("info"), false);
  const fatal = getLogger("lv_alias_f", { level: LogLevel.FATAL, backends: [{ type: "memory" }] });
  assert.equal(fatal.isEnabledFor("critical"), true);
  assert.equal(fatal.isEnabledFor("error"), false);
});

test("numbers outside the level range are rejected, in config and in parseLevel", () => {
  for (const bad of [500, 51, -1, "500"]) {
    assert.throws(
      () => getLogger("lv_range", { level: bad as number }),
      (e: unknown) =>
        e instanceof LoggerConfigurationError && /outside the level range 0–50/.test(e.message) &&
        e.message.includes(String(bad)),
      String(bad),
    );
    assert.throws(() => parseLevel(bad), LoggerConfigurationError);
  }
  assert.throws(
    () => getLogger("lv_range_b", { backends: [{ type: "console", level: 1000 }] }),
    /backends\[0\] \(console\): "level" 1000 is outside the level range/,
  );
  assert.equal(parseLevel(0), 0);
  assert.equal(parseLevel(50), 50);
  assert.equal(parseLevel("35"), 35);
});
