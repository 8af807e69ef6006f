/**
 * Deno's built-in OpenTelemetry: with `OTEL_DENO=true`, the console backend
 * writes through `console.*`, and Deno's own exporter delivers our records,
 * with their severity and the trace and span ids of the request `Deno.serve`
 * handled, to a local OTLP/HTTP JSON receiver.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runScript, runtime, tempDir, waitFor } from "./_helpers.ts";
import { startServer } from "./_http_server.ts";

const skip = runtime === "deno" ? false : "Deno's built-in OpenTelemetry exists on Deno only";

interface KV {
  key: string;
  value: { stringValue?: string; intValue?: string };
}
interface OtlpLogRecord {
  severityNumber: number;
  severityText: string;
  body: { stringValue?: string };
  traceId?: string;
  spanId?: string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  attributes: KV[];
}

const SCRIPT = `
import { getLogger } from "@jinpy/logger";
import { withRequestLogging } from "${join(ROOT, "src/exports/middleware.ts")}";
const logger = getLogger("otel.app", { level: "debug", backends: [{ type: "console", format: "json", level: "debug" }] });
const text = getLogger("otel.text", { backends: [{ type: "console" }] });
logger.info("started, outside any request");
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, withRequestLogging(async (req) => {
  logger.debug("d");
  logger.info("i", { user: "alice" });
  await new Promise((r) => setTimeout(r, 1));
  logger.warning("w");
  logger.error("e");
  logger.critical("c");
  text.info("as text", { n: 1 });
  return new Response("ok");
}, { logger }));
const res = await fetch("http://127.0.0.1:" + server.addr.port + "/work", { headers: { "x-request-id": "r-otel" } });
await res.text();
await server.shutdown();
await logger.shutdown();
`;

describe("Deno's OpenTelemetry exporter", { skip }, () => {
  test("exports our records with severity and the ids of the span Deno.serve made", async () => {
    const receiver = await startServer(() => ({ headers: { "content-type": "application/json" }, body: "{}" }));
    const dir = tempDir();
    try {
      const run = await runScript(dir.path, SCRIPT, {
        env: {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: "jinpy-otel-test",
          OTEL_DENO_CONSOLE: "capture",
        },
        timeoutMs: 60_000,
      });
      assert.equal(run.code, 0, run.stderr);
      const posted = (path: string) => receiver.requests.filter((r) => r.path === path);
      assert.ok(await waitFor(() => posted("/v1/logs").length > 0 && posted("/v1/traces").length > 0, 10_000));
      const logs: OtlpLogRecord[] = posted("/v1/logs").flatMap((r) =>
        JSON.parse(new TextDecoder().decode(r.body)).resourceLogs.flatMap((rl: { scopeLogs: unknown[] }) =>
          rl.scopeLogs.flatMap((s) => (s as { logRecords: OtlpLogRecord[] }).logRecords)
        )
      );
      const spans: OtlpSpan[] = posted("/v1/traces").flatMap((r) =>
        JSON.parse(new TextDecoder().decode(r.body)).resourceSpans.flatMap((rs: { scopeSpans: unknown[] }) =>
          rs.scopeSpans.flatMap((s) => (s as { spans: OtlpSpan[] }).spans)
        )
      );
      // Our JSON records, as Deno exported them.
      const ours = logs.flatMap((l) => {
        try {
          const rec = JSON.parse(l.body.stringValue ?? "");
          return rec.logger_name === "otel.app" ? [{ l, rec }] : [];
        } catch {
          return [];
        }
      });
      assert.deepEqual(ours.map(({ rec }) => rec.message), [
        "started, outside any request",
        "d",
        "i",
        "w",
        "e",
        "c",
        "GET /work 200",
      ]);
      assert.deepEqual(ours.map(({ l }) => l.severityNumber), [9, 5, 9, 13, 17, 17, 9]);
      const [outside, ...inside] = ours;
      assert.equal(outside.rec.trace_id, undefined);
      assert.ok(!outside.l.traceId, "no trace id outside a request");
      // The server span Deno.serve made for the request.
      const server = spans.find((s) => s.kind === 2);
      assert.ok(server, `a server span among ${spans.map((s) => s.name)}`);
      for (const { l, rec } of inside) {
        assert.equal(l.traceId, server.traceId);
        assert.equal(l.spanId, server.spanId);
        // The ids on our record are the same, read from the registration Deno publishes.
        assert.equal(rec.trace_id, server.traceId);
        assert.equal(rec.span_id, server.spanId);
        assert.equal(rec.context.request_id, "r-otel");
      }
      const text = logs.find((l) => l.body.stringValue?.startsWith("otel.text "));
      assert.ok(text, "the text format is exported too");
      assert.match(text.body.stringValue!, /^otel\.text as text request_id=r-otel n=1\n?$/);
      assert.equal(text.traceId, server.traceId);
    } finally {
      await receiver.close();
      dir.cleanup();
    }
  });
});
