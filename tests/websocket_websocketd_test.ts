import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, portOpen, stopChild, tempDir, waitFor } from "./_helpers.ts";
import { getLogger, type WebSocketBackend } from "../mod.ts";

const haveWebsocketd = spawnSync("websocketd", ["--version"]).status === 0;
const skip = haveWebsocketd ? false : "websocketd is not installed (apt-get install websocketd)";

/**
 * websocketd hands each message to the script as one line on stdin (our
 * messages are JSON, so they never contain a raw newline) and sends each
 * line the script prints back as a message: the script appends every line
 * to a file and, when asked, answers each batch with an ack once its line is
 * in the file. When the connection closes (stdin ends) it marks `done`.
 *
 * awk, not a shell `read` loop: `read` takes stdin one byte per system call
 * (half a million for these tests), slow enough on a loaded machine that
 * acks came after the logger's bounded `flush()` had returned, and lines were
 * still being written when the test read the file.
 */
function writeScript(dir: string, acks: boolean): string {
  const script = join(dir, "collect.sh");
  const ack = acks
    ? `i = index($0, "\\"batch_id\\":\\""); id = substr($0, i + 12); id = substr(id, 1, index(id, "\\"") - 1);
  printf "{\\"type\\":\\"ack\\",\\"batch_id\\":\\"%s\\"}\\n", id; fflush()`
    : "";
  writeFileSync(
    script,
    `#!/bin/sh
printf '%s\\n' "$HTTP_AUTHORIZATION" >> "${dir}/auth.txt"
# mawk waits for a full input buffer before its first line unless interactive; other awks take what is there.
case "$(awk -W version 2>&1)" in *mawk*) set -- -W interactive ;; esac
awk "$@" -v out="${dir}/messages.txt" '{
  print >> out; fflush(out)
  ${ack}
}'
printf 'done\\n' >> "${dir}/done.txt"
`,
  );
  chmodSync(script, 0o755);
  return script;
}

async function startWebsocketd(dir: string, acks: boolean): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  // When a connection closes, websocketd signals its script after 100 ms by default, killing it with lines it
  // has received but not yet read from stdin (seen as lost records on a loaded machine). A longer grace lets the
  // script read everything websocketd received, which is what these tests count.
  const child = spawn("websocketd", [
    `--port=${port}`,
    "--address=127.0.0.1",
    "--loglevel=error",
    "--closems=10000",
    writeScript(dir, acks),
  ], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.resume();
  assert.ok(await waitFor(() => portOpen(port), 10_000), "websocketd is listening");
  return { port, child };
}

function lines(dir: string): string[] {
  const file = join(dir, "messages.txt");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}

describe("WebSocketBackend against a real websocketd", () => {
  test("2 000 records arrive complete and in order, acknowledged per batch, Authorization seen", { skip }, async () => {
    const dir = tempDir("jinpy-wsd-");
    const { port, child } = await startWebsocketd(dir.path, true);
    try {
      const logger = getLogger(`websocketd_batches_${port}`, {
        backends: [{
          type: "websocket",
          endpoint: `ws://127.0.0.1:${port}/`,
          headers: { Authorization: "Bearer websocketd-token" },
          acks: true,
        }],
      });
      for (let i = 0; i < 2000; i++) logger.info(`record ${i}`, { i, text: 'line\nbreak and "quotes"' });
      await logger.flush();
      const stats = (logger.getBackends()[0] as WebSocketBackend).getStats();
      assert.equal(stats.messagesWritten, 2000, "every batch acknowledged");
      await logger.shutdown();
      const batches = lines(dir.path).map((l) =>
        JSON.parse(l) as { batch_id: string; logs: { message: string; context: { text: string } }[] }
      );
      const ids = new Set(batches.map((b) => b.batch_id));
      assert.equal(ids.size, batches.length, "no duplicates without failures");
      const records = batches.flatMap((b) => b.logs);
      assert.deepEqual(records.map((r) => r.message), Array.from({ length: 2000 }, (_, i) => `record ${i}`));
      assert.equal(records[0].context.text, 'line\nbreak and "quotes"');
      assert.equal(readFileSync(join(dir.path, "auth.txt"), "utf8").trim(), "Bearer websocketd-token");
    } finally {
      await stopChild(child);
      dir.cleanup();
    }
  });

  test('2 000 records in messageMode "record" arrive as 2 000 lines in order', { skip }, async () => {
    const dir = tempDir("jinpy-wsd-");
    const { port, child } = await startWebsocketd(dir.path, false);
    try {
      const logger = getLogger(`websocketd_records_${port}`, {
        backends: [{ type: "websocket", endpoint: `ws://127.0.0.1:${port}/`, messageMode: "record" }],
      });
      for (let i = 0; i < 2000; i++) logger.info(`record ${i}`);
      await logger.shutdown();
      // The script has read everything websocketd received once its stdin ended.
      assert.ok(await waitFor(() => existsSync(join(dir.path, "done.txt")), 10_000), "the script saw the close");
      const messages = lines(dir.path).map((l) => (JSON.parse(l) as { message: string }).message);
      assert.deepEqual(messages, Array.from({ length: 2000 }, (_, i) => `record ${i}`));
    } finally {
      await stopChild(child);
      dir.cleanup();
    }
  });
});
