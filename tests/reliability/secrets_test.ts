/**
 * Secrets never leak: header values, API keys, encryption keys, tokens and
 * URL credentials of REST and WebSocket backends are absent from stats,
 * errors (message, toJSON, stack), `toJSON()`/`JSON.stringify` of backends
 * and loggers, stderr reports and the spool — with an unreachable endpoint
 * and with a failing one, in a subprocess whose output is captured whole.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../../mod.ts";
import { startServer, text } from "../_http_server.ts";
import { ROOT, runScript, runtime, tempDir } from "../_helpers.ts";
import { writeResult } from "./_record.ts";
import { within } from "./_wait.ts";

const SECRETS = [
  "rest-bearer-S3CR3T1",
  "apikey-S3CR3T2",
  "restpass-S3CR3T3",
  "query-S3CR3T4",
  "enc-key-S3CR3T5",
  "ws-bearer-S3CR3T6",
  "ws-token-S3CR3T7",
  "wspass-S3CR3T8",
  "badconf-S3CR3T9",
  "cloud-key-S3CR3T10",
];

describe("reliability: secrets", () => {
  test("REST and WebSocket secrets never appear in stats, errors, toJSON, stderr or the spool", async () => {
    const dir = tempDir();
    const failing = await startServer((_r, i) => ({ status: i % 2 ? 500 : 401, body: "denied" }));
    try {
      const result = await runScript(
        dir.path,
        `import { createCloudConfig, getLogger, LoggerError } from "@jinpy/logger";
import { createServer } from "node:net";
import { silentServer } from "${ROOT}/tests/reliability/_raw_server.ts";
const dead = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});
const silent = await silentServer();
const out: unknown[] = [];
const targets = [["dead", "127.0.0.1:" + dead, "127.0.0.1:" + dead], ["failing", "127.0.0.1:${failing.port}", "127.0.0.1:" + silent.port]];
for (const [name, rest, ws] of targets) {
  const logger = getLogger("sec_" + name, { backends: [
    { type: "rest_api", name: "rest_" + name, endpoint: "http://restuser:restpass-S3CR3T3@" + rest + "/in?api_key=query-S3CR3T4",
      headers: { Authorization: "Bearer rest-bearer-S3CR3T1", "X-Api-Key": "apikey-S3CR3T2" },
      encryptPayload: true, encryptionKey: "enc-key-S3CR3T5", retryCount: 1, retryBaseDelay: 0.01, retryMaxDelay: 0.02,
      batchTimeout: 0.01, fallbackToFile: true, fallbackFile: "spool_" + name + ".ndjson", shutdownTimeout: 1 },
    { type: "websocket", name: "ws_" + name, endpoint: "ws://wsuser:wspass-S3CR3T8@" + ws + "/ws",
      headers: { Authorization: "Bearer ws-bearer-S3CR3T6" }, token: "ws-token-S3CR3T7",
      connectTimeout: 0.2, reconnectInterval: 0.01, maxReconnectAttempts: 1, flushTimeout: 1 },
  ] });
  for (let i = 0; i < 5; i++) logger.info("hello", { seq: i });
  await new Promise((r) => setTimeout(r, 700));
  await logger.flush();
  for (const b of logger.getBackends()) out.push(b.getStats(), JSON.parse(JSON.stringify(b)), (b as { toJSON?: () => unknown }).toJSON?.());
  out.push(logger.getStats(), JSON.parse(JSON.stringify(logger)));
  logger.info("backends as context", { backends: logger.getBackends() });
  await logger.shutdown();
  out.push(logger.getBackends().map((b) => b.getStats()));
}
const cloudConfig = createCloudConfig("http://127.0.0.1:" + dead + "/logs", "cloud-key-S3CR3T10");
for (const b of cloudConfig.backends ?? []) Object.assign(b, { retryBaseDelay: 0.01, retryMaxDelay: 0.02, shutdownTimeout: 0.5 });
const cloud = getLogger("sec_cloud", cloudConfig);
cloud.error("cloud");
await cloud.flush();
out.push(JSON.parse(JSON.stringify(cloud.getBackends())), cloud.getStats());
await cloud.shutdown();
for (const config of [
  { type: "rest_api", endpoint: "http://u:badconf-S3CR3T9@127.0.0.1:1/", encryptPayload: true, headers: { A: "x" } },
  { type: "rest_api", endpoint: "ftp://u:badconf-S3CR3T9@127.0.0.1:1/" },
  { type: "websocket", endpoint: "http://u:badconf-S3CR3T9@127.0.0.1:1/" },
  { type: "websocket", endpoint: "ws://127.0.0.1:1/", headers: { Authorization: "Bearer badconf-S3CR3T9\\n" } },
]) {
  try {
    getLogger("bad", { backends: [config] });
    out.push("no error for " + config.type);
  } catch (e) {
    out.push(String(e), (e as LoggerError).toJSON?.(), (e as Error).stack);
  }
}
console.log(JSON.stringify(out));
await silent.close();
`,
        { timeoutMs: 30_000 },
      );
      const spools = ["spool_dead.ndjson", "spool_failing.ndjson"].map((f) => join(dir.path, f));
      const spoolText = spools.filter(existsSync).map((p) => readFileSync(p, "utf8")).join("");
      const haystacks: Record<string, string> = { stdout: result.stdout, stderr: result.stderr, spool: spoolText };
      const leaks: string[] = [];
      for (const [where, hay] of Object.entries(haystacks)) {
        for (const s of SECRETS) if (hay.includes(s)) leaks.push(`${s} in ${where}`);
      }
      writeResult({
        scenario: "security: secrets in stats, errors, toJSON, stderr, spool",
        runtime,
        sent: SECRETS.length,
        delivered: 0,
        duplicates: 0,
        lost: 0,
        result: result.code === 0 && leaks.length === 0 ? "pass" : "fail",
        guarantee: "no secret appears anywhere the package writes or returns",
        notes: `${SECRETS.length} secrets checked in stdout, stderr and the spool; ${leaks.length} leaks`,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(leaks, []);
      assert.ok(spoolText.includes('"seq"'), "the spool was written (and checked)");
      assert.match(result.stderr, /rest_dead backend failed/);
      assert.match(result.stderr, /rest_failing backend failed/);
      assert.match(result.stderr, /ws_failing backend gave up/);
      assert.match(result.stdout, /\[REDACTED\]/);
      assert.equal(failing.requests.length > 0, true, "the failing endpoint was reached");
    } finally {
      await failing.close();
      dir.cleanup();
    }
  });

  test("REST credentials in the endpoint URL are sent as Basic auth and kept out of reports", async () => {
    const server = await startServer();
    try {
      const logger = getLogger(`rel_basic_${Math.random()}`, {
        backends: [{
          type: "rest_api",
          endpoint: `http://ingest:pa%3Ass-S3CR3T@127.0.0.1:${server.port}/in`,
          batchTimeout: 0.01,
        }],
      });
      logger.info("with basic auth", { seq: 0 });
      await within(logger.flush(), 10_000);
      await logger.shutdown();
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0].headers.authorization, `Basic ${btoa("ingest:pa:ss-S3CR3T")}`);
      assert.equal(JSON.parse(text(server.requests[0])).logs[0].message, "with basic auth");
      const description = JSON.stringify(logger.getBackends()[0]);
      assert.ok(!description.includes("S3CR3T"), description);
    } finally {
      await server.close();
    }
  });

  test("util.inspect of backends and errors, a token in the URL path, custom backends' secret keys: never in clear", async () => {
    const dir = tempDir();
    const failing = await startServer(() => ({ status: 500, body: "down" }));
    try {
      const result = await runScript(
        dir.path,
        `import { BackendFactory, BaseBackend, getLogger, LoggerError } from "@jinpy/logger";
import { inspect } from "node:util";
class Custom extends BaseBackend {
  override handle() {
    const c = this.config as Record<string, any>;
    throw new Error(\`auth failed for \${c.api_key} / \${c.password} / \${c.headers["X-Key"]}\`);
  }
}
BackendFactory.registerBackendType("custom_sec", Custom);
const logger = getLogger("sec_inspect", { backends: [
  { type: "rest_api", name: "loggly", endpoint: "http://u:pw-S3CR3T1@127.0.0.1:${failing.port}/bulk/0a1b2c3d-4e5f-6789-abcd-ef0123456789/tag/http/?region=eu&sink=Zq81Kd02Lm93Xy45Pp",
    headers: { Authorization: "Bearer hdr-S3CR3T3" }, encryptPayload: true, encryptionKey: "enc-S3CR3T4", retryCount: 1,
    retryBaseDelay: 0.01, retryMaxDelay: 0.02, batchTimeout: 0.01, shutdownTimeout: 1 },
  { type: "websocket", endpoint: "ws://127.0.0.1:1/ws?token=ws-S3CR3T5", token: "tok-S3CR3T6", connectTimeout: 0.2,
    maxReconnectAttempts: 1, flushTimeout: 0.5 },
  { type: "custom_sec", api_key: "custom-S3CR3T7", password: "custom-S3CR3T8", headers: { "X-Key": "custom-S3CR3T9" }, region: "eu" },
] });
logger.info("hello", { seq: 0 });
await new Promise((r) => setTimeout(r, 500));
await logger.flush();
const D = (globalThis as any).Deno;
const show = (v: unknown) => inspect(v, { depth: 10 }) + (D ? D.inspect(v, { depth: 10 }) : "");
const out: unknown[] = [show(logger.getBackends()), JSON.stringify(logger.getBackends()), logger.getBackends().map((b) => b.getStats())];
console.log(logger.getBackends());
const err = new LoggerError("failed", { cause: new Error("GET http://u:pw-S3CR3T1@127.0.0.1/ failed"), details: { endpoint: "http://u:pw-S3CR3T1@127.0.0.1/" } });
out.push(show(err), JSON.stringify(err));
console.log(err);
await logger.shutdown();
console.log(JSON.stringify(out));
`,
        { timeoutMs: 30_000 },
      );
      const secrets = [
        "S3CR3T1",
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        "Zq81Kd02Lm93Xy45Pp",
        "S3CR3T3",
        "S3CR3T4",
        "S3CR3T5",
        "S3CR3T6",
        "S3CR3T7",
        "S3CR3T8",
        "S3CR3T9",
      ];
      const leaks: string[] = [];
      for (const [where, hay] of Object.entries({ stdout: result.stdout, stderr: result.stderr })) {
        for (const s of secrets) if (hay.includes(s)) leaks.push(`${s} in ${where}`);
      }
      writeResult({
        scenario: "security: util.inspect, URL path tokens, custom backends' keys",
        runtime,
        sent: secrets.length,
        delivered: 0,
        duplicates: 0,
        lost: 0,
        result: result.code === 0 && leaks.length === 0 ? "pass" : "fail",
        guarantee:
          "backends and errors inspect as their redacted toJSON(); the endpoint shows origin and path with tokens masked",
        notes: `${secrets.length} secrets checked in stdout and stderr; ${leaks.length} leaks`,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(leaks, []);
      assert.match(result.stdout, /bulk\/\[REDACTED\]\/tag\/http\/\?region=eu/);
      assert.match(result.stdout, /region: ["']eu["']|"region":"eu"/);
      assert.match(result.stderr, /loggly backend failed/);
      assert.match(result.stderr, /custom_sec backend failed: Error: auth failed for \[REDACTED\]/);
      assert.ok(failing.requests.length > 0, "the failing endpoint was reached");
    } finally {
      await failing.close();
      dir.cleanup();
    }
  });
});
