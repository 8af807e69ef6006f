/**
 * The REST fallback spool under sharing and outside interference: two
 * backends on one spool file, a spool deleted or truncated while records
 * wait in it, a spool cut mid-line, a spool that cannot be read, and
 * replay of a large spool while new records keep coming. Backends share a
 * spool only when they deliver to the same target.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger, type Logger, LoggerConfigurationError } from "../mod.ts";
import { freePort, type RecordedRequest, startServer, text } from "./_http_server.ts";
import { runScript, tempDir, waitFor } from "./_helpers.ts";

const FAST = { retryBaseDelay: 0.01, retryMaxDelay: 0.05, retryJitter: false, timeoutSeconds: 5, shutdownTimeout: 5 };

let counter = 0;
function restLogger(config: Record<string, unknown>): Logger {
  return getLogger(`rest_spool_${++counter}`, {
    level: "debug",
    backends: [{ type: "rest_api" as string, ...FAST, ...config }],
  });
}

function stats(logger: Logger): Record<string, unknown> {
  return logger.getBackends()[0].getStats();
}

function jinpyMessages(requests: RecordedRequest[]): string[] {
  return requests.filter((r) => r.headers["x-down"] === undefined).flatMap((r) => {
    try {
      return (JSON.parse(text(r)).logs as { message: string }[]).map((l) => l.message);
    } catch {
      return [];
    }
  });
}

describe("RestApiBackend fallback spool", () => {
  test("two backends sharing one fallbackFile lose nothing through an outage", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "api_fallback.log");
    let down = true;
    const delivered: string[] = [];
    const server = await startServer((r) => {
      if (down) return { status: 503 };
      delivered.push(...(JSON.parse(text(r)).logs as { message: string }[]).map((l) => l.message));
      return undefined;
    });
    try {
      const config = { endpoint: server.url, retryCount: 1, batchSize: 5, fallbackToFile: true, fallbackFile: spool };
      const a = restLogger(config);
      const b = restLogger(config);
      for (let i = 0; i < 15; i++) {
        a.info(`a${i}`);
        b.info(`b${i}`);
      }
      await Promise.all([a.flush(), b.flush()]);
      assert.equal((stats(a).spooled as number) + (stats(b).spooled as number), 30, "both spooled everything");
      down = false;
      assert.ok(await waitFor(() => new Set(delivered).size === 30 && !existsSync(spool), 10_000), "all 30 arrive");
      const expected = [...Array(15).keys()].flatMap((i) => [`a${i}`, `b${i}`]).sort();
      assert.deepEqual([...new Set(delivered)].sort(), expected);
      // Each backend's own records arrive in the order it logged them.
      for (const who of ["a", "b"]) {
        const mine = delivered.filter((m) => m.startsWith(who));
        assert.deepEqual(mine, [...Array(15).keys()].map((i) => `${who}${i}`));
      }
      await Promise.all([a.shutdown(), b.shutdown()]);
      assert.equal(stats(a).messagesDropped, 0);
      assert.equal(stats(b).messagesDropped, 0);
      assert.equal((stats(a).replayed as number) + (stats(b).replayed as number), 30);
      assert.ok(!existsSync(spool));
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("a backend that shuts down leaves the shared spool to the other one", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "shared.log");
    const port = await freePort();
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const config = {
        endpoint: `http://127.0.0.1:${port}/in`,
        retryCount: 0,
        batchSize: 4,
        fallbackToFile: true,
        fallbackFile: spool,
      };
      const a = restLogger(config);
      const b = restLogger(config);
      for (let i = 0; i < 6; i++) a.info(`a${i}`);
      await a.flush();
      for (let i = 0; i < 6; i++) b.info(`b${i}`);
      await b.flush();
      const started = Date.now();
      await a.shutdown();
      assert.ok(Date.now() - started < 3000, "shutdown does not wait on a spool it cannot deliver");
      assert.equal(readFileSync(spool, "utf8").trim().split("\n").length, 12);
      server = await startServer(undefined, port);
      const s = server;
      b.info("b6");
      await b.flush();
      assert.ok(await waitFor(() => jinpyMessages(s.requests).length === 13 && !existsSync(spool), 10_000));
      assert.deepEqual(jinpyMessages(s.requests), [
        ...[...Array(6).keys()].map((i) => `a${i}`),
        ...[...Array(7).keys()].map((i) => `b${i}`),
      ]);
      await b.shutdown();
      assert.equal(stats(b).messagesDropped, 0);
    } finally {
      await server?.close();
      dir.cleanup();
    }
  });

  for (const how of ["deleted", "truncated"] as const) {
    test(`a spool ${how} while records wait in it: no freeze, the loss is counted, new records arrive`, async () => {
      const dir = tempDir();
      try {
        const port = await freePort();
        const spool = join(dir.path, "spool.log");
        const script = `
import { getLogger } from "@jinpy/logger";
import { rmSync, writeFileSync, existsSync } from "node:fs";
const messages = [];
let ticks = 0;
const tick = setInterval(() => ticks++, 5);
const logger = getLogger("freeze", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${port}/in",
  retryCount: 0, retryBaseDelay: 0.01, retryMaxDelay: 0.02, retryJitter: false, batchSize: 5,
  fallbackToFile: true, fallbackFile: ${JSON.stringify(spool)}, shutdownTimeout: 2 }] });
for (let i = 0; i < 8; i++) logger.info("old" + i);
await logger.flush();
if (!existsSync(${JSON.stringify(spool)})) throw new Error("nothing spooled");
${how === "deleted" ? `rmSync(${JSON.stringify(spool)});` : `writeFileSync(${JSON.stringify(spool)}, "");`}
const server = (await import("node:http")).createServer((req, res) => {
  let body = "";
  req.on("data", (c) => body += c);
  req.on("end", () => { for (const l of JSON.parse(body).logs) messages.push(l.message); res.end("ok"); });
});
await new Promise((r) => server.listen(${port}, "127.0.0.1", r));
const before = ticks;
for (let i = 0; i < 3; i++) logger.info("new" + i);
await logger.flush();
const end = Date.now() + 5000;
while (messages.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
await new Promise((r) => setTimeout(r, 100));
const s = logger.getBackends()[0].getStats();
await logger.shutdown();
clearInterval(tick);
server.close();
console.log(JSON.stringify({ messages, dropped: s.messagesDropped, ticks: ticks - before }));
`;
        const r = await runScript(dir.path, script, { timeoutMs: 15_000 });
        assert.equal(r.code, 0, `the script ended by itself (stderr: ${r.stderr.slice(0, 500)})`);
        const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
        assert.deepEqual(out.messages, ["new0", "new1", "new2"]);
        assert.equal(out.dropped, 8, "the 8 records that vanished with the spool are counted dropped");
        assert.ok(out.ticks > 5, "timers kept running");
        assert.match(r.stderr, /spool/);
        assert.equal(
          r.stderr.split("\n").filter((l) => /vanished|deleted|truncated/.test(l)).length,
          1,
          "reported once",
        );
      } finally {
        dir.cleanup();
      }
    });
  }

  test("replaying a large spool while records keep coming reads each byte about once", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "big.log");
    const server = await startServer();
    try {
      const pad = "x".repeat(400);
      const n = 30_000;
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        lines.push(JSON.stringify({ timestamp: "2026-01-01T00:00:00.000Z", level: "info", message: `s${i}`, pad }));
      }
      const content = lines.join("\n") + "\n";
      /** Replays the spool to its end; with `logging`, a new record about every batch. */
      const replay = async (logging: boolean) => {
        server.requests.length = 0;
        writeFileSync(spool, content);
        const started = Date.now();
        const logger = restLogger({ endpoint: server.url, batchSize: 50, fallbackToFile: true, fallbackFile: spool });
        let logged = 0;
        while (existsSync(spool) && Date.now() - started < 30_000) {
          // Each is appended behind the spooled records, and the next batch is read after it.
          if (logging) logger.info(`n${logged++}`);
          await new Promise((r) => setTimeout(r, 1));
        }
        await logger.flush();
        const elapsed = Date.now() - started;
        assert.ok(await waitFor(() => jinpyMessages(server.requests).length === n + logged, 10_000));
        const got = jinpyMessages(server.requests);
        assert.equal(got[0], "s0");
        assert.equal(got[n - 1], `s${n - 1}`);
        if (logged > 0) assert.equal(got.at(-1), `n${logged - 1}`);
        await logger.shutdown();
        rmSync(spool, { force: true });
        return elapsed;
      };
      const quiet = await replay(false);
      const busy = await replay(true);
      // Reading the whole file again after every append makes the busy replay many times slower.
      assert.ok(busy < 3 * quiet + 1500, `replay took ${busy} ms with appends, ${quiet} ms without`);
    } finally {
      await server.close();
      dir.cleanup();
    }
  });
  test("a fallbackFile is shared only by backends with the same delivery target", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "api_fallback.log");
    const secret = "spool-key-S3CR3T9";
    const base = {
      endpoint: "http://user:pw-S3CR3T8@127.0.0.1:9/in?token=tok-S3CR3T7",
      fallbackToFile: true,
      fallbackFile: spool,
      encryptPayload: true,
      encryptionKey: secret,
    };
    const first = restLogger(base);
    const same = restLogger({ ...base });
    const others: [string, Record<string, unknown>][] = [
      ["endpoint", { endpoint: "http://user:pw-S3CR3T8@127.0.0.1:9/other?token=tok-S3CR3T7" }],
      ["method", { method: "PUT" }],
      ["payloadFormat", { payloadFormat: "ndjson" }],
      ["no encryption", { encryptPayload: false }],
      ["another key", { encryptionKey: "another-S3CR3T6" }],
      ["compression", { compression: true }],
      ["headers", { headers: { Authorization: "Bearer other-S3CR3T5" } }],
    ];
    try {
      for (const [what, change] of others) {
        let error: unknown;
        try {
          await restLogger({ ...base, ...change }).shutdown();
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof LoggerConfigurationError, `a different ${what} is refused`);
        const shown = `${error.message} ${JSON.stringify(error.details)} ${error.suggestions.join(" ")}`;
        assert.ok(shown.includes(spool), `the path is named: ${shown}`);
        assert.match(error.suggestions.join(" "), /own "fallbackFile"/);
        assert.ok(!/S3CR3T/.test(shown) && !/S3CR3T/.test(String(error.stack)), `no secret shown: ${shown}`);
      }
      await Promise.all([first.shutdown(), same.shutdown()]);
      // Once nobody uses the file, another target may take it.
      await restLogger({ ...base, payloadFormat: "ndjson" }).shutdown();
    } finally {
      dir.cleanup();
    }
  });

  test("the default fallbackFile is not shared by backends sending to different endpoints", async () => {
    const dir = tempDir();
    try {
      const script = `
import { getLogger } from "@jinpy/logger";
const a = getLogger("a", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:9/a", fallbackToFile: true }] });
try {
  getLogger("b", { backends: [{ type: "rest_api", name: "b_rest", endpoint: "http://127.0.0.1:9/b", fallbackToFile: true }] });
  console.log(JSON.stringify({ refused: false }));
} catch (e) {
  console.log(JSON.stringify({ refused: true, name: e.name, message: e.message, suggestions: e.suggestions }));
}
await a.shutdown();
`;
      const r = await runScript(dir.path, script, { timeoutMs: 15_000 });
      assert.equal(r.code, 0, r.stderr.slice(0, 500));
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      assert.equal(out.refused, true);
      assert.equal(out.name, "LoggerConfigurationError");
      assert.match(out.message, /logs\/api_fallback\.log/);
      assert.match(out.suggestions.join(" "), /logs\/api_fallback_b_rest\.log/);
    } finally {
      dir.cleanup();
    }
  });

  test("a backend that shuts down while paused after a failure leaves the spool to the other at once", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "shared.log");
    const port = await freePort();
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      // A long pause after a failure: only a wake-up can make the other replay soon.
      const config = {
        endpoint: `http://127.0.0.1:${port}/in`,
        retryCount: 0,
        retryBaseDelay: 30,
        retryMaxDelay: 30,
        batchSize: 10,
        fallbackToFile: true,
        fallbackFile: spool,
      };
      const a = restLogger(config);
      const b = restLogger(config);
      for (let i = 0; i < 5; i++) a.info(`a${i}`);
      await a.flush();
      assert.equal(stats(a).spooled, 5);
      server = await startServer(undefined, port);
      const s = server;
      await a.shutdown();
      assert.ok(await waitFor(() => jinpyMessages(s.requests).length === 5 && !existsSync(spool), 5000), "b replays");
      assert.deepEqual(jinpyMessages(s.requests), [...Array(5).keys()].map((i) => `a${i}`));
      assert.equal(stats(b).replayed, 5);
      await b.shutdown();
      assert.equal(stats(a).messagesDropped, 0);
      assert.equal(stats(b).messagesDropped, 0);
    } finally {
      await server?.close();
      dir.cleanup();
    }
  });

  test("a spool left cut mid-line by a crash: intact records arrive, the cut and unreadable lines are counted", async () => {
    const dir = tempDir();
    try {
      const port = await freePort();
      const spool = join(dir.path, "spool.log");
      const record = (m: string) =>
        JSON.stringify({ timestamp: "2026-01-01T00:00:00.000Z", level: "INFO", message: m });
      const cut = record("cut");
      writeFileSync(spool, [record("s0"), record("s1"), "not json {", record("s2"), cut.slice(0, 30)].join("\n"));
      const script = `
import { getLogger } from "@jinpy/logger";
const messages = [];
let refused = 0;
const server = (await import("node:http")).createServer((req, res) => {
  let body = "";
  req.on("data", (c) => body += c);
  req.on("end", () => {
    try {
      for (const l of JSON.parse(body).logs) messages.push(l.message);
      res.end("ok");
    } catch {
      refused++;
      res.statusCode = 400;
      res.end("bad json");
    }
  });
});
await new Promise((r) => server.listen(${port}, "127.0.0.1", r));
const logger = getLogger("cut", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${port}/in",
  retryCount: 0, batchSize: 10, fallbackToFile: true, fallbackFile: ${JSON.stringify(spool)}, shutdownTimeout: 2 }] });
logger.info("new0");
await logger.flush();
const end = Date.now() + 5000;
// The answer reaches the backend after the server has the body: wait for both.
while ((messages.length < 4 || logger.getBackends()[0].getStats().replayed < 4) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
const s = logger.getBackends()[0].getStats();
await logger.shutdown();
server.close();
console.log(JSON.stringify({ messages, refused, dropped: s.messagesDropped, replayed: s.replayed }));
`;
      const r = await runScript(dir.path, script, { timeoutMs: 15_000 });
      assert.equal(r.code, 0, `the script ended by itself (stderr: ${r.stderr.slice(0, 500)})`);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      assert.deepEqual(out.messages, ["s0", "s1", "s2", "new0"]);
      assert.equal(out.refused, 0, "no body was invalid JSON");
      assert.equal(out.dropped, 2, "the cut piece and the line that is not JSON");
      assert.equal(out.replayed, 4, "new0 went behind the spooled records");
      assert.equal(r.stderr.split("\n").filter((l) => /unreadable/.test(l)).length, 1, `reported once: ${r.stderr}`);
      assert.ok(!existsSync(spool));
    } finally {
      dir.cleanup();
    }
  });

  test("a replay cut short by shutdown(): the next run does not send the delivered head again", async () => {
    const dir = tempDir();
    let up = false;
    const statuses: number[] = [];
    const server = await startServer((_r, i) => ({ status: statuses[i] = i === 0 || up ? 200 : 503 }));
    try {
      const spool = join(dir.path, "spool.log");
      const record = (m: string) =>
        JSON.stringify({ timestamp: "2026-01-01T00:00:00.000Z", level: "INFO", message: m });
      const sent = Array.from({ length: 30 }, (_, i) => `s${i}`);
      writeFileSync(spool, sent.map(record).join("\n") + "\n");
      const config = { endpoint: server.url, retryCount: 0, batchSize: 10, fallbackToFile: true, fallbackFile: spool };
      const first = restLogger({ ...config, shutdownTimeout: 0.3 });
      assert.ok(await waitFor(() => server.requests.length >= 2, 5000), "one batch delivered, the next refused");
      await first.shutdown();
      assert.equal(stats(first).replayed, 10);
      assert.ok(existsSync(spool), "the rest waits in the spool");
      up = true;
      const next = restLogger(config);
      assert.ok(await waitFor(() => stats(next).replayed === 20, 5000), "the next run replays the rest");
      await next.shutdown();
      const delivered = jinpyMessages(server.requests.filter((_r, i) => statuses[i] < 300));
      assert.deepEqual(delivered, sent, "each record once, in order");
      assert.ok(!existsSync(spool) && !existsSync(`${spool}.offset`), "the spool and its offset are gone");
    } finally {
      await server.close();
      dir.cleanup();
    }
  });

  test("a spool truncated mid-line while records wait: the intact ones and later ones arrive", async () => {
    const dir = tempDir();
    const spool = join(dir.path, "spool.log");
    const port = await freePort();
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const logger = restLogger({
        endpoint: `http://127.0.0.1:${port}/in`,
        retryCount: 0,
        batchSize: 10,
        fallbackToFile: true,
        fallbackFile: spool,
      });
      for (let i = 0; i < 6; i++) logger.info(`a${i}`);
      await logger.flush();
      const lines = readFileSync(spool, "utf8").split("\n");
      assert.equal(lines.length, 7);
      // Keep a0..a2 whole and half of a3.
      const keep = lines.slice(0, 3).join("\n").length + 1 + Math.floor(lines[3].length / 2);
      truncateSync(spool, keep);
      server = await startServer((r) => {
        try {
          JSON.parse(text(r));
          return undefined;
        } catch {
          return { status: 400 };
        }
      }, port);
      const s = server;
      logger.info("new0");
      await logger.flush();
      assert.ok(await waitFor(() => jinpyMessages(s.requests).length === 4 && !existsSync(spool), 5000));
      assert.deepEqual(jinpyMessages(s.requests), ["a0", "a1", "a2", "new0"]);
      await logger.shutdown();
      assert.equal(stats(logger).messagesDropped, 3, "a3 cut short, a4 and a5 vanished");
    } finally {
      await server?.close();
      dir.cleanup();
    }
  });

  test(
    "a spool that cannot be read is reported once, does not end the process, and delivery resumes",
    async () => {
      const dir = tempDir();
      try {
        const port = await freePort();
        const spool = join(dir.path, "spool.log");
        const script = `
import { getLogger } from "@jinpy/logger";
import { rmSync, symlinkSync } from "node:fs";
const messages = [];
const logger = getLogger("unreadable", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${port}/in",
  retryCount: 0, retryBaseDelay: 0.02, retryMaxDelay: 0.05, retryJitter: false, batchSize: 5,
  fallbackToFile: true, fallbackFile: ${JSON.stringify(spool)}, shutdownTimeout: 2 }] });
for (let i = 0; i < 3; i++) logger.info("old" + i);
await logger.flush();
// The spool becomes a link to itself: every stat and open of it fails (ELOOP), even for root.
rmSync(${JSON.stringify(spool)});
symlinkSync(${JSON.stringify(spool)}, ${JSON.stringify(spool)});
const server = (await import("node:http")).createServer((req, res) => {
  let body = "";
  req.on("data", (c) => body += c);
  req.on("end", () => { for (const l of JSON.parse(body).logs) messages.push(l.message); res.end("ok"); });
});
await new Promise((r) => server.listen(${port}, "127.0.0.1", r));
logger.info("during");
await new Promise((r) => setTimeout(r, 300));
rmSync(${JSON.stringify(spool)});
logger.info("after");
await logger.flush();
const end = Date.now() + 5000;
while (!messages.includes("after") && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
const s = logger.getBackends()[0].getStats();
await logger.shutdown();
server.close();
console.log(JSON.stringify({ messages, dropped: s.messagesDropped }));
`;
        const r = await runScript(dir.path, script, { timeoutMs: 15_000 });
        assert.equal(r.code, 0, `the process survived (stderr: ${r.stderr.slice(0, 800)})`);
        const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
        assert.deepEqual(out.messages, ["after"]);
        // old0..2 vanished with the file; "during" could not be written to it.
        assert.equal(out.dropped, 4);
        assert.equal(r.stderr.split("\n").filter((l) => /could not be read/.test(l)).length, 1, r.stderr);
      } finally {
        dir.cleanup();
      }
    },
  );
});
