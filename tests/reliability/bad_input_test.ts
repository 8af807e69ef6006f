/**
 * Bad input never throws into the caller, never corrupts other records and
 * never breaks one-record-one-line: 10 000+ seeded hostile cases per run
 * (seed printed; set JINPY_SEED to replay), through JSON and every text
 * format, plus invalid configuration of every key.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BACKEND_SCHEMAS } from "../../src/config/_schema.ts";
import { getLogger, LoggerConfigurationError, normalizeBackendConfig, normalizeLoggerConfig } from "../../mod.ts";
import { memoryOf } from "../_memory_backend.ts";
import { HostileValues, prng } from "./_gen.ts";
import { badInputResult } from "./_record.ts";

const env = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const SEED = Number(env.JINPY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(env.JINPY_CASES ?? 10_000);

test(`hostile values: ${CASES} seeded cases never throw and keep one record per line (seed ${SEED})`, () => {
  console.log(`bad-input seed: ${SEED} (replay with JINPY_SEED=${SEED})`);
  const gen = new HostileValues(prng(SEED));
  const formats = ["json", "console", "plain", "structured"] as const;
  const logger = getLogger("hostile", {
    level: "trace",
    maxContextSize: 4096,
    maxMessageLength: 4096,
    backends: formats.map((format) => ({ type: "memory", format, name: format })),
  });
  const mems = formats.map((_, i) => memoryOf(logger, i));
  for (let i = 0; i < CASES; i++) {
    const before = mems[0].lines.length;
    const message = (i % 7 === 0 ? gen.value() : gen.string()) as string;
    assert.doesNotThrow(() => logger.info(message, gen.context()), `case ${i} (seed ${SEED})`);
    // A well-formed neighbour after every hostile record must come out intact.
    logger.info("canary", { i });
    for (const mem of mems) {
      assert.equal(mem.lines.length, before + 2, `case ${i}: two records`);
      for (const line of mem.lines.slice(-2)) {
        assert.ok(!/[\n\r\u2028\u2029]/.test(line), `case ${i} ${mem.name}: one line`);
        if (mem.name !== "json") {
          // deno-lint-ignore no-control-regex
          assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(line), `case ${i} ${mem.name}: no control characters`);
        }
      }
    }
    const rec = JSON.parse(mems[0].lines.at(-2)!);
    assert.equal(typeof rec.message, "string");
    assert.ok(JSON.stringify(rec.context).length <= 4096 + 400, `case ${i}: context bounded`);
    const canary = JSON.parse(mems[0].lines.at(-1)!);
    assert.deepEqual([canary.message, canary.context], ["canary", { i }]);
    for (const mem of mems) {
      mem.lines.length = 0;
      mem.entries.length = 0;
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
  const kinds = [...gen.kinds.keys()];
  for (
    const k of [
      "cycle",
      "getter",
      "proxy",
      "bigint",
      "symbol",
      "error",
      "deep",
      "proto",
      "string:huge",
      "string:surrogate",
    ]
  ) {
    assert.ok(kinds.includes(k), `generator produced ${k}`);
  }
  badInputResult("hostile values (seeded)", CASES, `seed ${SEED}`);
});

test("invalid configuration of every key of every backend type is a typed error, never a crash", () => {
  const bad: unknown[] = [Symbol("x"), 10n, { nested: true }, [1, 2], -1, 1.5, "not-valid-value", NaN, () => {}];
  let tried = 0;
  for (const [type, schema] of Object.entries(BACKEND_SCHEMAS)) {
    for (const key of Object.keys(schema)) {
      if (key === "type") continue;
      for (const value of bad) {
        const config: Record<string, unknown> = { type, [key]: value };
        if ((type === "rest_api" || type === "websocket") && key !== "endpoint") {
          config.endpoint = type === "rest_api" ? "http://127.0.0.1:9/x" : "ws://127.0.0.1:9/x";
        }
        tried++;
        try {
          normalizeBackendConfig(config);
        } catch (e) {
          assert.ok(e instanceof LoggerConfigurationError, `${type}.${key}=${String(value)}: ${e}`);
          assert.match(e.message, new RegExp(`${type}`));
        }
      }
    }
  }
  for (
    const key of ["level", "backends", "context", "sensitiveFields", "redactPatterns", "maxContextSize", "appName"]
  ) {
    for (const value of bad) {
      tried++;
      try {
        normalizeLoggerConfig({ [key]: value });
      } catch (e) {
        assert.ok(e instanceof LoggerConfigurationError, `${key}: ${e}`);
      }
    }
  }
  for (const value of bad) {
    assert.throws(() => getLogger("bad-config", value as Record<string, unknown>), LoggerConfigurationError);
  }
  badInputResult("invalid configuration values", tried);
  assert.ok(tried > 300);
});
