/**
 * Deno's permission matrix: with no permissions the console works and the
 * file backend names the missing permission; with `--allow-net` only, the
 * REST backend delivers.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { runScript, runtime, tempDir } from "./_helpers.ts";

const skip = runtime !== "deno" ? "Deno permissions only" : undefined;
const dir = tempDir("jinpy-matrix-");
after(() => dir.cleanup());

test("no permissions: console works, the file backend names the missing permission", { skip }, async () => {
  const r = await runScript(
    dir.path,
    `import { getLogger, LoggerBackendError } from "@jinpy/logger";
getLogger("np").info("console without permissions");
try {
  getLogger("npf", { backends: [{ type: "file", filePath: "logs/app.log" }] });
  console.log("file: created");
} catch (e) {
  console.log("file: " + String(e instanceof LoggerBackendError) + " " + (e as Error).message);
}
`,
    { denoFlags: [] },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /console without permissions/);
  assert.match(r.stdout, /file: true .*--allow-write/);
});

test("--allow-net only: the REST backend delivers", { skip }, async () => {
  const received: unknown[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    received.push(...(await req.json()).logs);
    return new Response(null, { status: 204 });
  });
  try {
    const r = await runScript(
      dir.path,
      `import { getLogger } from "@jinpy/logger";
const logger = getLogger("netonly", { backends: [{ type: "rest_api", endpoint: "http://127.0.0.1:${server.addr.port}/logs", batchTimeout: 0.05 }] });
for (let i = 0; i < 10; i++) logger.info("over the net", { i });
await logger.shutdown();
`,
      { denoFlags: ["--allow-net=127.0.0.1"] },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(received.length, 10);
  } finally {
    await server.shutdown();
  }
});
