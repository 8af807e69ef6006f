/**
 * OpenTelemetry: the active span's ids on every record, read from the
 * registration of the real `@opentelemetry/api` (with the real SDK), and the
 * `otlp-protobuf` body decoded by the official generated OTLP code.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { decryptPayload, getLogger, type PayloadFormat } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";
import { startServer, type TestServer } from "./_http_server.ts";
import { ensurePeers, peerPath, peerRequire } from "./_peers.ts";
import { runScript, tempDir } from "./_helpers.ts";

const skip = ensurePeers();

interface Span {
  spanContext(): { traceId: string; spanId: string };
  end(): void;
}
interface Tracer {
  startActiveSpan<R>(name: string, fn: (span: Span) => R): R;
}
interface OtelApi {
  trace: {
    setGlobalTracerProvider(p: unknown): boolean;
    getTracer(name: string): Tracer;
    disable(): void;
  };
  context: { setGlobalContextManager(m: unknown): boolean; disable(): void };
}

const API_KEY = Symbol.for("opentelemetry.js.api.1");

describe("OpenTelemetry trace ids", { skip }, () => {
  let api: OtelApi;
  let tracer: Tracer;
  let saved: unknown;
  before(() => {
    const g = globalThis as unknown as Record<symbol, unknown>;
    // Deno with OTEL_DENO registers its own; this test brings the npm SDK. Our module, loaded first, left
    // an undefined placeholder at the key, which the API takes over when it registers.
    saved = g[API_KEY];
    g[API_KEY] = undefined;
    assert.ok(API_KEY in g);
    api = peerRequire("@opentelemetry/api") as OtelApi;
    const { BasicTracerProvider } = peerRequire("@opentelemetry/sdk-trace-base") as {
      BasicTracerProvider: new () => unknown;
    };
    const { AsyncLocalStorageContextManager } = peerRequire("@opentelemetry/context-async-hooks") as {
      AsyncLocalStorageContextManager: new () => { enable(): unknown };
    };
    assert.equal(api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()), true);
    assert.equal(api.trace.setGlobalTracerProvider(new BasicTracerProvider()), true);
    tracer = api.trace.getTracer("otel-test");
  });
  after(() => {
    api.trace.disable();
    api.context.disable();
    (globalThis as unknown as Record<symbol, unknown>)[API_KEY] = saved;
  });

  test("a record inside a span carries its ids, across await; outside, none", async () => {
    const logger = getLogger("otel.ids", { backends: [{ type: "memory" }] });
    logger.info("before");
    let ids: { traceId: string; spanId: string } | undefined;
    let innerIds: { traceId: string; spanId: string } | undefined;
    await tracer.startActiveSpan("outer", async (span) => {
      ids = span.spanContext();
      logger.info("in span", { n: 1 });
      await new Promise((r) => setTimeout(r, 1));
      logger.warning("after await");
      tracer.startActiveSpan("inner", (inner) => {
        innerIds = inner.spanContext();
        logger.info("in inner");
        inner.end();
      });
      span.end();
    });
    logger.info("after");
    const records = memoryOf(logger).records();
    assert.deepEqual(records.map((r) => r.message), ["before", "in span", "after await", "in inner", "after"]);
    assert.ok(ids && innerIds);
    assert.match(ids.traceId, /^[0-9a-f]{32}$/);
    assert.match(ids.spanId, /^[0-9a-f]{16}$/);
    assert.equal("trace_id" in records[0], false);
    assert.equal("span_id" in records[0], false);
    assert.equal(records[1].trace_id, ids.traceId);
    assert.equal(records[1].span_id, ids.spanId);
    assert.equal(records[2].trace_id, ids.traceId);
    assert.equal(records[2].span_id, ids.spanId);
    assert.equal(records[3].trace_id, ids.traceId);
    assert.equal(records[3].span_id, innerIds.spanId);
    assert.notEqual(innerIds.spanId, ids.spanId);
    assert.equal("trace_id" in records[4], false);
    // The ids follow the seed's keys, so Python readers see the keys they know first.
    assert.deepEqual(Object.keys(records[1]).slice(-2), ["trace_id", "span_id"]);
    await logger.shutdown();
  });

  test("the structured (logfmt) format carries the ids too; the text formats do not", async () => {
    const logger = getLogger("otel.logfmt", {
      backends: [{ type: "memory", format: "structured" }, { type: "memory", format: "plain" }],
    });
    let ids: { traceId: string; spanId: string } | undefined;
    tracer.startActiveSpan("logfmt", (span) => {
      ids = span.spanContext();
      logger.info("in span");
      span.end();
    });
    logger.info("outside");
    const [structured, plain] = [memoryOf(logger, 0).lines, memoryOf(logger, 1).lines];
    assert.ok(structured[0].endsWith(` trace_id=${ids!.traceId} span_id=${ids!.spanId}`), structured[0]);
    assert.doesNotMatch(structured[1], /trace_id/);
    assert.doesNotMatch(plain[0], /trace_id/);
    await logger.shutdown();
  });

  test("otlp and otlp-protobuf bodies carry the same records, decoded by the official generated code", async () => {
    const { opentelemetry } = peerRequire(
      peerPath("@opentelemetry/otlp-transformer/build/src/generated/root.js"),
    ) as ProtoRoot;
    const Request = opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
    let server: TestServer | undefined;
    try {
      server = await startServer();
      const url = server.url;
      const make = (format: PayloadFormat) =>
        getLogger(`otel.body.${format}`, {
          backends: [{
            type: "rest_api",
            endpoint: `${url}/v1/logs`,
            payloadFormat: format,
            batchSize: 100,
            labels: { "service.name": "svc", "deployment.environment": "test" },
          }],
        });
      const json = make("otlp");
      const proto = make("otlp-protobuf");
      const both = (f: (l: ReturnType<typeof make>) => void) => {
        f(json);
        f(proto);
      };
      const ctx = {
        user: "alice",
        n: 42,
        big: 2 ** 53 - 1,
        neg: -7,
        ratio: 0.25,
        ok: true,
        none: null,
        list: [1, "two", false],
        nested: { deep: { x: "ü€😀" } },
        empty: "",
      };
      let ids: { traceId: string; spanId: string } | undefined;
      tracer.startActiveSpan("export", (span) => {
        ids = span.spanContext();
        both((l) => l.error("boom ü€😀", ctx));
        span.end();
      });
      both((l) => l.info("no span"));
      both((l) => l.debug("dropped by level"));
      both((l) => l.critical("x".repeat(300)));
      await json.shutdown();
      await proto.shutdown();
      const jsonReq = server.requests.find((r) => r.headers["content-type"] === "application/json");
      const protoReq = server.requests.find((r) => r.headers["content-type"] === "application/x-protobuf");
      assert.ok(jsonReq && protoReq, "both bodies arrived");
      const fromJson = JSON.parse(new TextDecoder().decode(jsonReq.body));
      const decoded = Request.toObject(Request.decode(protoReq.body), { longs: String, bytes: String, arrays: true });
      // The two bodies differ only in the scope name (one logger each) and the time of sending.
      const jsonRecords = fromJson.resourceLogs[0].scopeLogs[0].logRecords;
      const protoRecords = decoded.resourceLogs[0].scopeLogs[0].logRecords;
      assert.equal(protoRecords.length, 3);
      assert.equal(decoded.resourceLogs[0].scopeLogs[0].scope.name, "otel.body.otlp-protobuf");
      assert.deepEqual(normalize(decoded.resourceLogs[0].resource), normalize(fromJson.resourceLogs[0].resource));
      for (let i = 0; i < 3; i++) {
        const p = protoRecords[i];
        const j = jsonRecords[i];
        assert.equal(p.timeUnixNano.length, j.timeUnixNano.length);
        assert.equal(p.severityNumber, j.severityNumber);
        assert.equal(p.severityText, j.severityText);
        assert.deepEqual(normalize(p.body), normalize(j.body));
        assert.deepEqual(normalize(p.attributes), normalize(j.attributes));
      }
      assert.equal(hex(protoRecords[0].traceId), ids!.traceId);
      assert.equal(hex(protoRecords[0].spanId), ids!.spanId);
      assert.equal(jsonRecords[0].traceId, ids!.traceId);
      assert.equal(jsonRecords[0].spanId, ids!.spanId);
      assert.equal(protoRecords[1].traceId, undefined);
      assert.equal(jsonRecords[1].traceId, undefined);
      const attrs = Object.fromEntries(
        (protoRecords[0].attributes as { key: string; value: unknown }[]).map((a) => [a.key, a.value]),
      );
      assert.deepEqual(attrs.big, { intValue: String(2 ** 53 - 1) });
      assert.deepEqual(attrs.neg, { intValue: "-7" });
      assert.deepEqual(attrs.ratio, { doubleValue: 0.25 });
      assert.deepEqual(attrs.empty, { stringValue: "" });
      assert.deepEqual(protoRecords[0].body, { stringValue: "boom ü€😀" });
    } finally {
      await server?.close();
    }
  });
});

interface ProtoType {
  decode(b: Uint8Array): unknown;
  // deno-lint-ignore no-explicit-any
  toObject(m: unknown, o: Record<string, unknown>): Record<string, any>;
}
interface ProtoRoot {
  opentelemetry: { proto: { collector: { logs: { v1: { ExportLogsServiceRequest: ProtoType } } } } };
}

function hex(b64: string): string {
  const bin = atob(b64);
  let out = "";
  for (let i = 0; i < bin.length; i++) out += bin.charCodeAt(i).toString(16).padStart(2, "0");
  return out;
}

/** The JSON mapping and protobufjs' objects differ in how they write an int64 and an empty AnyValue. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "droppedAttributesCount" && x === 0) continue;
      out[k] = k === "intValue" ? String(x) : normalize(x);
    }
    return out;
  }
  return v;
}

describe("otlp-protobuf with compression and encryption", { skip }, () => {
  test("a gzip body gunzips to the request; an encrypted one decrypts to its base64", async () => {
    const { opentelemetry } = peerRequire(
      peerPath("@opentelemetry/otlp-transformer/build/src/generated/root.js"),
    ) as ProtoRoot;
    const Request = opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
    const server = await startServer();
    try {
      const key = "a passphrase of some length";
      const make = (name: string, extra: Record<string, unknown>) =>
        getLogger(name, {
          backends: [{ type: "rest_api", endpoint: `${server.url}/v1/logs`, payloadFormat: "otlp-protobuf", ...extra }],
        });
      const gz = make("otel.gzip", { compression: true });
      const enc = make("otel.enc", { encryptPayload: true, encryptionKey: key });
      gz.info("zipped", { n: 1 });
      enc.info("sealed", { n: 2 });
      await gz.shutdown();
      await enc.shutdown();
      const zipped = server.requests.find((r) => r.headers["content-encoding"] === "gzip");
      const sealed = server.requests.find((r) => r.headers["content-type"] === "application/json");
      assert.ok(zipped && sealed);
      assert.equal(zipped.headers["content-type"], "application/x-protobuf");
      const { gunzipSync } = await import("node:zlib");
      const a = Request.toObject(Request.decode(gunzipSync(zipped.body)), { longs: String, arrays: true });
      assert.deepEqual(a.resourceLogs[0].scopeLogs[0].logRecords[0].body, { stringValue: "zipped" });
      const plain = await decryptPayload(sealed.body, key);
      const bytes = Uint8Array.from(atob(plain), (c) => c.charCodeAt(0));
      const b = Request.toObject(Request.decode(bytes), { longs: String, arrays: true });
      assert.deepEqual(b.resourceLogs[0].scopeLogs[0].logRecords[0].body, { stringValue: "sealed" });
    } finally {
      await server.close();
    }
  });
});

describe("console backend, OpenTelemetry mode", () => {
  test("writes through console.debug/info/warn/error by level, at once; automatic with OTEL_DENO=true", async () => {
    const dir = tempDir();
    try {
      const source = (option: string) => `
import { getLogger } from "@jinpy/logger";
const seen: string[] = [];
for (const m of ["debug", "info", "warn", "error", "log"] as const) {
  const orig = console[m].bind(console);
  console[m] = (...a: unknown[]) => { seen.push(m + ":" + a.length); orig(...a); };
}
const logger = getLogger("otel.console", { level: "trace", backends: [{ type: "console", level: "trace"${option} }] });
logger.trace("t"); logger.debug("d"); logger.info("i", { k: "v w" }); logger.warning("w"); logger.error("e"); logger.critical("c");
console.log(JSON.stringify(seen));
await logger.shutdown();
`;
      const on = await runScript(dir.path, source(", otel: true"), { env: { OTEL_DENO: "" } });
      assert.equal(on.code, 0, on.stderr);
      const lines = on.stdout.trim().split("\n");
      assert.deepEqual(JSON.parse(lines.at(-1)!), ["debug:1", "debug:1", "info:1", "warn:1", "error:1", "error:1"]);
      assert.ok(lines.includes('otel.console i k="v w"'), on.stdout);
      const auto = await runScript(dir.path, source(""), { env: { OTEL_DENO: "true" } });
      assert.equal(auto.code, 0, auto.stderr);
      assert.deepEqual(JSON.parse(auto.stdout.trim().split("\n").at(-1)!), [
        "debug:1",
        "debug:1",
        "info:1",
        "warn:1",
        "error:1",
        "error:1",
      ]);
      // Off by default and when turned off: the byte writer, console untouched.
      const off = await runScript(dir.path, source(", otel: false"), { env: { OTEL_DENO: "true" } });
      assert.equal(JSON.parse(off.stdout.trim().split("\n").filter((l) => l.startsWith("[")).at(-1)!).length, 0);
      assert.match(off.stdout, /INFO +otel\.console i k="v w"/);
    } finally {
      dir.cleanup();
    }
  });
});
