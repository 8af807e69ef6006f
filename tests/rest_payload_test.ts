import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger, type Logger } from "../mod.ts";
import { type RecordedRequest, startServer, text } from "./_http_server.ts";
import { tempDir } from "./_helpers.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/**
 * Whether `actual` has the shape of the official example `spec`: objects
 * use only keys the example uses (except at `maps`, where any key is a
 * label), with values of the same shape; each array element matches one of
 * the example's elements; strings of digits stay strings of digits.
 */
function conforms(actual: unknown, spec: unknown, path = "$", maps: string[] = []): string | undefined {
  if (Array.isArray(spec)) {
    if (!Array.isArray(actual)) return `${path}: expected an array`;
    for (let i = 0; i < actual.length; i++) {
      const errors = spec.map((s) => conforms(actual[i], s, `${path}[]`, maps));
      if (errors.every((e) => e !== undefined)) return errors[0];
    }
    return undefined;
  }
  if (spec !== null && typeof spec === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return `${path}: expected an object`;
    const s = spec as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    if (maps.includes(path)) {
      const sample = Object.values(s)[0];
      for (const k of Object.keys(a)) {
        const e = conforms(a[k], sample, `${path}.${k}`, maps);
        if (e) return e;
      }
      return undefined;
    }
    for (const k of Object.keys(a)) {
      if (!(k in s)) return `${path}: key "${k}" is not in the specification's shape`;
      const e = conforms(a[k], s[k], `${path}.${k}`, maps);
      if (e) return e;
    }
    return undefined;
  }
  if (typeof actual !== typeof spec) return `${path}: expected ${typeof spec}, got ${typeof actual}`;
  if (typeof spec === "string" && /^\d+$/.test(spec) && !/^\d+$/.test(actual as string)) {
    return `${path}: expected a decimal string, got ${JSON.stringify(actual)}`;
  }
  return undefined;
}

async function send(
  config: Record<string, unknown>,
  log: (logger: Logger) => void,
  loggerConfig: Record<string, unknown> = {},
): Promise<RecordedRequest> {
  const server = await startServer();
  try {
    const logger = getLogger(`payload_${config.payloadFormat}`, {
      level: "debug",
      ...loggerConfig,
      backends: [{ type: "rest_api", endpoint: `${server.url}/ingest`, ...config }],
    });
    log(logger);
    await logger.flush();
    await logger.shutdown();
    assert.equal(server.requests.length, 1);
    return server.requests[0];
  } finally {
    await server.close();
  }
}

function logSome(logger: Logger): void {
  logger.info("first", { user: "alice", n: 3, ratio: 0.5, ok: true, tags: ["a", "b"], nested: { k: "v" }, none: null });
  logger.error("second", { code: 7 });
  logger.bind({ request_id: "r-1" }).warning("third");
}

describe("RestApiBackend payload formats", () => {
  test("ndjson: one record per line", async () => {
    const r = await send({ payloadFormat: "ndjson" }, logSome);
    assert.equal(r.headers["content-type"], "application/x-ndjson");
    const body = text(r);
    assert.ok(body.endsWith("\n"));
    const lines = body.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.message), ["first", "second", "third"]);
    assert.equal(lines[0].logger_name, "payload_ndjson");
  });

  test("records held as bytes arrive exactly: jinpy and ndjson, any text, in order", async () => {
    // Text that is multi-byte in UTF-8, looks like the separators, or must be escaped.
    const messages = [
      "naïve café",
      "日本語",
      "emoji 🎉",
      'a,b],"x":{',
      "line\nbreak\ttab",
      "sep \u2028 \u2029",
      '\\ "',
    ];
    for (const format of ["jinpy", "ndjson"]) {
      const r = await send({ payloadFormat: format, batchSize: 100 }, (logger) => {
        messages.forEach((m, i) => logger.info(m, { i, note: m }));
      });
      const records = format === "jinpy"
        ? JSON.parse(text(r)).logs
        : text(r).trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(records.map((x: { message: string }) => x.message), messages, format);
      assert.deepEqual(records.map((x: { context: { note: string } }) => x.context.note), messages, format);
      if (format === "jinpy") {
        const body = JSON.parse(text(r));
        assert.equal(body.count, messages.length);
        assert.equal(body.source, "payload_jinpy");
      }
    }
  });

  test("a full queue drops exactly its oldest records, multi-byte text of varying length included", async () => {
    const server = await startServer();
    const message = (i: number) => `record ${i} ${"ü€".repeat(i % 7)}`;
    try {
      const logger = getLogger("payload_overflow", {
        backends: [{
          type: "rest_api",
          endpoint: `${server.url}/ingest`,
          payloadFormat: "ndjson",
          batchSize: 8,
          maxQueueSize: 30,
        }],
      });
      // Logged in one synchronous burst: nothing is sent before the queue is full.
      for (let i = 0; i < 200; i++) logger.info(message(i), { i });
      await logger.flush();
      const stats = logger.getBackends()[0].getStats();
      await logger.shutdown();
      const got = server.requests.flatMap((q) => text(q).trim().split("\n").map((l) => JSON.parse(l)));
      const kept = Array.from({ length: 30 }, (_, k) => 170 + k);
      assert.deepEqual(got.map((r) => r.context.i), kept);
      assert.deepEqual(got.map((r) => r.message), kept.map(message));
      assert.equal(stats.messagesDropped, 170);
      assert.equal(stats.messagesWritten, 30);
    } finally {
      await server.close();
    }
  });

  test("loki: push API streams labelled by logger and level, matching the push API's shape", async () => {
    const r = await send({ payloadFormat: "loki", labels: { app: "shop", "service.name": "checkout" } }, logSome);
    assert.equal(r.headers["content-type"], "application/json");
    const body = JSON.parse(text(r));
    assert.equal(conforms(body, JSON.parse(fixture("loki_push.json")), "$", ["$.streams[].stream"]), undefined);
    const streams = body.streams as { stream: Record<string, string>; values: [string, string][] }[];
    assert.equal(streams.length, 3);
    assert.deepEqual(streams[0].stream, {
      app: "shop",
      service_name: "checkout",
      logger: "payload_loki",
      level: "info",
    });
    assert.deepEqual(streams.map((s) => s.stream.level), ["info", "error", "warning"]);
    const [ts, line] = streams[0].values[0];
    const record = JSON.parse(line);
    assert.equal(record.message, "first");
    assert.equal(ts.length, 19);
    assert.equal(BigInt(ts) / 1_000_000n, BigInt(Date.parse(record.timestamp)));
    // Exact to the microsecond of the record's timestamp.
    assert.equal(ts.slice(10, 16), /\.(\d{6})\+00:00$/.exec(record.timestamp)![1]);
  });

  test("otlp: OTLP/HTTP JSON logs with resource, scope, severity, body and attributes", async () => {
    const r = await send({ payloadFormat: "otlp", labels: { "service.name": "checkout" } }, logSome);
    assert.equal(r.headers["content-type"], "application/json");
    const body = JSON.parse(text(r));
    assert.equal(conforms(body, JSON.parse(fixture("otlp_logs.json"))), undefined);
    const rl = body.resourceLogs[0];
    assert.deepEqual(rl.resource.attributes, [{ key: "service.name", value: { stringValue: "checkout" } }]);
    assert.equal(rl.scopeLogs[0].scope.name, "payload_otlp");
    const records = rl.scopeLogs[0].logRecords;
    assert.deepEqual(records.map((x: { severityNumber: number }) => x.severityNumber), [9, 17, 13]);
    assert.deepEqual(records.map((x: { severityText: string }) => x.severityText), ["INFO", "ERROR", "WARNING"]);
    assert.deepEqual(records[0].body, { stringValue: "first" });
    const attrs = Object.fromEntries(
      records[0].attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]),
    );
    assert.deepEqual(attrs.user, { stringValue: "alice" });
    assert.deepEqual(attrs.n, { intValue: "3" });
    assert.deepEqual(attrs.ratio, { doubleValue: 0.5 });
    assert.deepEqual(attrs.ok, { boolValue: true });
    assert.deepEqual(attrs.tags, { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } });
    assert.deepEqual(attrs.nested, { kvlistValue: { values: [{ key: "k", value: { stringValue: "v" } }] } });
    assert.deepEqual(attrs.none, {});
    assert.ok(/^\d{19}$/.test(records[0].timeUnixNano));
  });

  test("elasticsearch: _bulk NDJSON, a create action with a stable _id before each document", async () => {
    const r = await send({ payloadFormat: "elasticsearch", index: "logs-app-default" }, logSome);
    assert.equal(r.headers["content-type"], "application/x-ndjson");
    const body = text(r);
    assert.ok(body.endsWith("\n"));
    const lines = body.trim().split("\n").map((l) => JSON.parse(l));
    const spec = fixture("es_bulk.ndjson").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 6);
    const key = r.headers["idempotency-key"];
    for (let i = 0; i < lines.length; i += 2) {
      assert.equal(conforms(lines[i], spec[0]), undefined);
      assert.deepEqual(lines[i], { create: { _index: "logs-app-default", _id: `${key}-${i / 2}` } });
      assert.equal(typeof lines[i + 1]["@timestamp"], "string");
      assert.equal(lines[i + 1]["@timestamp"], lines[i + 1].timestamp);
    }
    assert.deepEqual([lines[1].message, lines[3].message, lines[5].message], ["first", "second", "third"]);
  });

  test("a Python edition record (microseconds, +00:00) converts to OTLP with exact nanoseconds", async () => {
    const record = JSON.parse(fixture("python_cloud_config.json")).python_record;
    const dir = tempDir();
    try {
      const spool = join(dir.path, "from_python.ndjson");
      writeFileSync(spool, JSON.stringify(record) + "\n");
      const r = await send({ payloadFormat: "otlp", fallbackToFile: true, fallbackFile: spool }, (logger) => {
        logger.info("after the spooled one");
      });
      const scopes = JSON.parse(text(r)).resourceLogs[0].scopeLogs;
      const lr = scopes[0].logRecords[0];
      assert.equal(scopes[0].scope.name, "pyapp");
      assert.deepEqual(lr.body, { stringValue: "hello" });
      assert.equal(lr.timeUnixNano, String(Date.parse("2026-11-25T10:56:14Z") / 1000) + "556768000");
      assert.deepEqual(lr.attributes, [
        { key: "user", value: { stringValue: "alice" } },
        { key: "correlation_id", value: { stringValue: "c-1" } },
      ]);
      assert.equal(scopes[1].logRecords[0].body.stringValue, "after the spooled one");
    } finally {
      dir.cleanup();
    }
  });

  describe("appName, environment and version name the application in every format", () => {
    // The Python edition's snake_case keys, as its config dump writes them.
    const identity = { app_name: "shop", environment: "prod", version: "1.2.3" };

    test("otlp: resource service.name, deployment.environment.name, service.version; loggers stay scopes", async () => {
      const r = await send({ payloadFormat: "otlp" }, logSome, identity);
      const rl = JSON.parse(text(r)).resourceLogs[0];
      assert.deepEqual(rl.resource.attributes, [
        { key: "service.name", value: { stringValue: "shop" } },
        { key: "deployment.environment.name", value: { stringValue: "prod" } },
        { key: "service.version", value: { stringValue: "1.2.3" } },
      ]);
      assert.equal(rl.scopeLogs[0].scope.name, "payload_otlp");
    });

    test("otlp without appName: service.name is unknown_service, never a logger's name", async () => {
      const r = await send({ payloadFormat: "otlp" }, logSome);
      const rl = JSON.parse(text(r)).resourceLogs[0];
      assert.deepEqual(rl.resource.attributes, [{ key: "service.name", value: { stringValue: "unknown_service" } }]);
    });

    test("loki: stream labels app and env; explicit labels win", async () => {
      const r = await send({ payloadFormat: "loki", labels: { team: "t1" } }, logSome, identity);
      for (const s of JSON.parse(text(r)).streams) {
        assert.equal(s.stream.app, "shop");
        assert.equal(s.stream.env, "prod");
        assert.equal(s.stream.team, "t1");
      }
      const own = await send({ payloadFormat: "loki", labels: { app: "mine" } }, logSome, identity);
      assert.equal(JSON.parse(text(own)).streams[0].stream.app, "mine");
    });

    test("ndjson and elasticsearch: each document carries app_name, environment, version", async () => {
      const nd = await send({ payloadFormat: "ndjson" }, logSome, identity);
      const lines = text(nd).trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.length, 3);
      for (const l of lines) {
        assert.equal(l.app_name, "shop");
        assert.equal(l.environment, "prod");
        assert.equal(l.version, "1.2.3");
      }
      const es = await send({ payloadFormat: "elasticsearch" }, logSome, { appName: "shop", version: "2" });
      const docs = text(es).trim().split("\n").map((l) => JSON.parse(l)).filter((_, i) => i % 2 === 1);
      assert.equal(docs.length, 3);
      for (const d of docs) {
        assert.equal(d.app_name, "shop");
        assert.equal(d.version, "2");
        assert.ok(!("environment" in d));
      }
    });

    test("a backend's own appName overrides the logger's", async () => {
      const r = await send({ payloadFormat: "otlp", appName: "edge" }, logSome, identity);
      const attrs = JSON.parse(text(r)).resourceLogs[0].resource.attributes;
      assert.deepEqual(attrs[0], { key: "service.name", value: { stringValue: "edge" } });
    });
  });
});
