import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  createCloudConfig,
  createDevelopmentConfig,
  createProductionConfig,
  getLogger,
  LoggerConfigurationError,
  normalizeBackendConfig,
  normalizeLoggerConfig,
} from "../mod.ts";
import { DEFAULT_SENSITIVE_FIELDS } from "../src/serialize.ts";
import { ROOT, tempDir } from "./_helpers.ts";

const python = JSON.parse(readFileSync(`${ROOT}/../shared/seed/python-edition-configs.json`, "utf8"));

function rejects(fn: () => unknown, ...patterns: RegExp[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LoggerConfigurationError, `expected LoggerConfigurationError, got ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test("the Python edition's development dump loads unchanged", () => {
  const c = normalizeLoggerConfig(python.development);
  assert.equal(c.level, 10);
  assert.equal(c.backends.length, 1);
  const b = c.backends[0];
  assert.equal(b.type, "console");
  assert.equal(b.name, "dev_console");
  assert.equal(b.level, 20);
  assert.equal(b.useColors, true);
  assert.equal(b.stream, "stdout");
  assert.equal(b.format, "console");
  assert.deepEqual(c.sensitiveFields, [...DEFAULT_SENSITIVE_FIELDS]);
  assert.equal(c.maxContextSize, 10000);
  assert.equal(c.appName, "jinpy-utils");
  const logger = getLogger("py-dev", python.development);
  assert.equal(logger.getLevel(), 10);
  assert.equal(logger.getBackends()[0].constructor.name, "ConsoleBackend");
});

test("the Python edition's production dump maps file keys (gzip → compression true, buffer_size stays bytes)", () => {
  const c = normalizeLoggerConfig(python.production);
  const f = c.backends[0];
  assert.equal(f.type, "file");
  assert.equal(f.filePath, "logs/app.log");
  assert.equal(f.maxSizeMb, 100);
  assert.equal(f.backupCount, 10);
  assert.equal(f.compression, true);
  assert.equal(f.bufferSize, 1000);
  assert.equal(f.flushInterval, 5);
  assert.equal(f.encoding, "utf-8");
  assert.equal(f.format, "json");
  assert.equal(c.level, 20);
});

test("the Python edition's cloud dump joins base_url and endpoint and turns api_key into a bearer header", () => {
  const c = normalizeLoggerConfig({
    ...python.cloud,
    backends: [{ ...python.cloud.backends[0], flush_interval: 2.5 }],
  });
  const r = c.backends[0];
  assert.equal(r.type, "rest_api");
  assert.equal(r.endpoint, new URL("/logs", "https://logs.example.com/api/v1/logs").href);
  assert.deepEqual(r.headers, { Authorization: "Bearer k-123" });
  assert.equal(r.timeoutSeconds, 30);
  assert.equal(r.retryCount, 3);
  assert.equal(r.retryBackoffFactor, 2);
  assert.equal(r.retryBaseDelay, 1);
  assert.equal(r.retryMaxDelay, 60);
  assert.equal(r.retryJitter, true);
  assert.equal(r.verifySsl, true);
  assert.equal(r.method, "POST");
  assert.equal(r.batchTimeout, 2.5, "flush_interval is the Python edition's batch timeout");
});

test("snake_case keys of the seed are accepted and normalized to camelCase", () => {
  const b = normalizeBackendConfig({
    type: "console",
    level: "DEBUG",
    use_colors: true,
    show_source: true,
    timestamp_format: "%H:%M:%S.%f",
  });
  assert.equal(b.level, 10);
  assert.equal(b.useColors, true);
  assert.equal(b.showSource, true);
  assert.equal(b.timestampFormat, "%H:%M:%S.%f");
  const c = normalizeLoggerConfig({ sensitive_fields: ["ssn"], max_context_size: 50, app_name: "a" });
  assert.deepEqual(c.sensitiveFields, [...DEFAULT_SENSITIVE_FIELDS, "ssn"]);
  assert.equal(c.maxContextSize, 50);
  assert.equal(c.appName, "a");
});

test("a disabled backend is created but skipped", () => {
  const logger = getLogger("disabled-backend", { backends: [{ type: "console", enabled: false }] });
  assert.equal(logger.getBackends().length, 1);
  assert.equal(logger.isEnabledFor("critical"), false);
});

test("invalid values name the backend index and type, the key, the expectation and the value", () => {
  rejects(
    // @ts-expect-error: a value of the wrong type fails type checking too.
    () => getLogger("bad1", { backends: [{ type: "console" }, { type: "file", maxSizeMb: "big" }] }),
    /backends\[1\] \(file\)/,
    /"maxSizeMb" expected a number ≥ 0, got "big"/,
  );
  rejects(() => normalizeBackendConfig({ type: "console", stream: "stdwhat" }), /"stream"/, /"stdout", "stderr"/);
  rejects(() => normalizeBackendConfig({ type: "file", backup_count: 1.5 }), /"backup_count" expected a whole number/);
  rejects(() => normalizeLoggerConfig({ backends: "console" }), /"backends" expected an array/);
  rejects(() => normalizeLoggerConfig({ level: "loud" }), /"loud"/);
  rejects(() => normalizeBackendConfig({ type: "console", level: "verbose" }), /"verbose"/);
});

test("misspelled keys and types get a did-you-mean", () => {
  rejects(
    () => normalizeBackendConfig({ type: "console", useColours: true }),
    /unknown key "useColours"; did you mean "useColors"/,
  );
  rejects(() => normalizeLoggerConfig({ sensitiveFeilds: [] }), /did you mean "sensitiveFields"/);
  rejects(
    () => getLogger("bad-type-2", { backends: [{ type: "rest-api", endpoint: "http://x" }] }),
    /did you mean "rest_api"/,
  );
});

test("missing type, database backend and bad compression are clear errors", () => {
  rejects(() => normalizeBackendConfig({ level: "info" }), /"type" is missing/);
  rejects(() => normalizeBackendConfig({ backend_type: "database" }), /"database" backend .* not supported/);
  rejects(
    () => normalizeBackendConfig({ backend_type: "file", compression: "zstd" }),
    /"compression" "zstd" is not supported/,
  );
  rejects(() => normalizeBackendConfig({ type: "rest_api" }), /"endpoint" is required/);
});

test("secret values never appear in configuration errors", () => {
  assert.throws(
    () =>
      normalizeBackendConfig({
        type: "rest_api",
        endpoint: "http://x",
        encryptionKey: 12345,
        headers: { Authorization: 99 },
      }),
    (e: unknown) => e instanceof LoggerConfigurationError,
  );
  try {
    normalizeBackendConfig({
      type: "rest_api",
      endpoint: "http://x",
      headers: { Authorization: ["Bearer top-secret-value"] },
    });
    assert.fail("should throw");
  } catch (e) {
    assert.ok(!(e as Error).message.includes("top-secret-value"));
    assert.ok(!JSON.stringify((e as { toJSON(): unknown }).toJSON()).includes("top-secret-value"));
  }
});

test("LoggerError subclasses carry code, details, suggestions and toJSON", () => {
  try {
    normalizeBackendConfig({ type: "console", useColours: true });
    assert.fail("should throw");
  } catch (e) {
    const err = e as LoggerConfigurationError;
    assert.equal(err.code, "LOGGER_CONFIGURATION_ERROR");
    assert.equal(err.details.key, "useColours");
    assert.ok(err.suggestions.length > 0);
    const json = err.toJSON();
    assert.equal(json.name, "LoggerConfigurationError");
    assert.equal(json.code, "LOGGER_CONFIGURATION_ERROR");
  }
});

test("presets have the documented shape", () => {
  const dev = normalizeLoggerConfig(createDevelopmentConfig());
  assert.equal(dev.level, 10);
  assert.equal(dev.backends[0].useColors, true);
  const prod = normalizeLoggerConfig(createProductionConfig());
  assert.deepEqual(prod.backends.map((b) => [b.type, b.format, b.level]), [["console", "json", 20], [
    "file",
    "json",
    20,
  ]]);
  assert.equal(prod.backends[1].compression, true);
  const cloud = normalizeLoggerConfig(createCloudConfig("https://logs.example.com/api/v1/logs", "k-9"));
  assert.equal(cloud.backends[0].type, "rest_api");
  assert.deepEqual(cloud.backends[0].headers, { Authorization: "Bearer k-9" });
});

test("errors name keys as the user wrote them, and suggest in the same spelling", () => {
  const caught = (fn: () => unknown): LoggerConfigurationError => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof LoggerConfigurationError);
      return e;
    }
    assert.fail("expected an error");
  };
  const snake = caught(() => normalizeBackendConfig({ backend_type: "file", max_sise_mb: 5 }));
  assert.match(snake.message, /unknown key "max_sise_mb"; did you mean "max_size_mb"\?/);
  assert.equal(snake.details.key, "max_sise_mb");
  assert.ok(!snake.message.includes("maxSiseMb"));
  rejects(
    () => normalizeBackendConfig({ type: "file", maxSiseMb: 5 }),
    /unknown key "maxSiseMb"; did you mean "maxSizeMb"\?/,
  );
  const value = caught(() => normalizeBackendConfig({ type: "file", max_size_mb: "big" }));
  assert.match(value.message, /"max_size_mb" expected a number ≥ 0, got "big"/);
  assert.equal(value.details.key, "max_size_mb");
  rejects(() => normalizeLoggerConfig({ default_level: "loud" }), /"default_level" is not a known log level: "loud"/);
  rejects(
    () => normalizeLoggerConfig({ max_contxt_size: 1 }),
    /unknown key "max_contxt_size"; did you mean "max_context_size"\?/,
  );
});

test("the same key in two spellings is an error naming both", () => {
  rejects(
    () => normalizeBackendConfig({ type: "rest_api", endpoint: "http://h", batch_size: 10, batchSize: 20 }),
    /backend \(rest_api\)|backend: /,
    /"batch_size" and "batchSize" are the same key; give it once/,
  );
  rejects(
    () => getLogger("dup", { backends: [{ type: "console", use_colors: true, useColors: false }] }),
    /backends\[0\]: "use_colors" and "useColors" are the same key/,
  );
  rejects(() => normalizeLoggerConfig({ level: "info", default_level: "debug" }), /"level" and "default_level"/);
});

test("max_size_mb: null never rotates, as in the Python edition; backup_count: 0 is accepted", () => {
  const never = normalizeBackendConfig({ backend_type: "file", max_size_mb: null, backup_count: 0 });
  assert.equal(never.maxSizeMb, 0);
  assert.equal(never.backupCount, 0);
  // Other nulls still mean "the default".
  assert.equal(normalizeBackendConfig({ type: "file", backup_count: null }).backupCount, 5);
});

test("a config is normalized once: a normalized backend config passes through unchanged", async () => {
  const dir = tempDir("jinpy-config-");
  const once = normalizeBackendConfig({ backend_type: "file", max_size_mb: 2, file_path: `${dir.path}/app.log` });
  assert.equal(normalizeBackendConfig(once), once);
  const logger = getLogger("normalized_once", { backends: [once] });
  assert.equal(logger.getBackends()[0].config, once);
  await logger.shutdown();
  dir.cleanup();
});
