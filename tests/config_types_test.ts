/**
 * The config types catch what the run-time checks catch: each
 * `@ts-expect-error` below fails `deno check` when a typo would pass type
 * checking, and each config is also rejected when it runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type BackendConfig,
  getLogger,
  type LoggerConfig,
  type LoggerConfigInput,
  LoggerConfigurationError,
  setGlobalConfig,
} from "../mod.ts";
import "./_memory_backend.ts";

const rejected = (make: () => unknown, pattern: RegExp) =>
  assert.throws(make, (e: unknown) => e instanceof LoggerConfigurationError && pattern.test(e.message));

test("misspelled keys and levels fail type checking and are rejected at run time", () => {
  // @ts-expect-error: maxSizeMB is not a key of the file backend (maxSizeMb is).
  rejected(() => getLogger("ty1", { backends: [{ type: "file", maxSizeMB: 5 }] }), /unknown key "maxSizeMB"/);
  // @ts-expect-error: "verbose" is not a level.
  rejected(() => getLogger("ty2", { backends: [{ type: "file", level: "verbose" }] }), /"verbose"/);
  // @ts-expect-error: max_sise_mb is a typo of max_size_mb.
  rejected(() => getLogger("ty3", { backends: [{ type: "file", max_sise_mb: 1 }] }), /"max_sise_mb"/);
  // @ts-expect-error: format "text" does not exist.
  rejected(() => getLogger("ty4", { backends: [{ type: "console", format: "text" }] }), /"format"/);
  // @ts-expect-error: a REST backend needs an endpoint.
  rejected(() => getLogger("ty5", { backends: [{ type: "rest_api" }] }), /"endpoint" is required/);
  // @ts-expect-error: logger keys are checked too.
  rejected(() => setGlobalConfig({ levle: "info" }), /unknown key "levle"/);
  // @ts-expect-error: an annotated config is checked the same way.
  const annotated: LoggerConfig = { backends: [{ type: "websocket", endpoint: "ws://h", reconect: 1 }] };
  rejected(() => getLogger("ty6", annotated), /unknown key "reconect"/);
});

test("camelCase, the seed's snake_case, custom types and Python dumps type-check and load", async () => {
  const backends: BackendConfig[] = [
    { type: "console", use_colors: false, showSource: true, level: "WARN" },
    { type: "file", file_path: "/dev/null", max_size_mb: 0, backupCount: 2, level: 10 },
  ];
  const a = getLogger("ty_ok1", { level: "Debug", sensitive_fields: ["ssn"], backends });
  // A custom type name is inferred, its keys are free.
  const b = getLogger("ty_ok2", { backends: [{ type: "console" }, { type: "memory", anything: 1 }] });
  const fromPython: LoggerConfigInput = {
    default_level: "INFO",
    backends: [{ backend_type: "console", colors: false }],
  };
  const c = getLogger("ty_ok3", fromPython);
  // JSON is `any`: checked at run time only.
  const d = getLogger("ty_ok4", JSON.parse('{"backends":[{"backend_type":"console"}]}'));
  for (const logger of [a, b, c, d]) {
    assert.ok(logger.getBackends().length >= 1);
    await logger.shutdown();
  }
});
