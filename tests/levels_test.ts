import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger, LoggerConfigurationError, LogLevel, parseLevel } from "../mod.ts";

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
    () => getLogger("lv", { level: "verbose" }),
    (e: unknown) => e instanceof LoggerConfigurationError && /"verbose"/.test(e.message) && /level/.test(e.message),
  );
});
