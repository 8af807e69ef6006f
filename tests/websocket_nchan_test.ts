import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, portOpen, stopChild, tempDir, waitFor } from "./_helpers.ts";
import { getLogger } from "../mod.ts";

const NCHAN = "/usr/lib/nginx/modules/ngx_nchan_module.so";
const haveNginx = spawnSync("nginx", ["-v"]).status === 0 && existsSync(NCHAN);
const skip = haveNginx ? false : "nginx with nchan is not installed (apt-get install nginx-light libnginx-mod-nchan)";

/** nginx in the foreground with a WebSocket publisher (/pub) and subscriber (/sub) on one channel. */
async function startNginx(dir: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `load_module ${NCHAN};
daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location = /pub { nchan_publisher websocket; nchan_channel_id logs; nchan_message_buffer_length 1000; nchan_message_timeout 10m; }
    location = /sub { nchan_subscriber websocket; nchan_channel_id logs; nchan_subscriber_first_message oldest; }
  }
}
`,
  );
  const child = spawn("nginx", ["-c", conf, "-p", dir], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.resume();
  assert.ok(await waitFor(() => portOpen(port), 10_000), "nginx is listening");
  return { port, child };
}

describe("WebSocketBackend against nginx with nchan", () => {
  test("2 000 records published over WebSocket reach a subscriber complete and in order", { skip }, async () => {
    const dir = tempDir("jinpy-nchan-");
    const { port, child } = await startNginx(dir.path);
    let subscriber: WebSocket | undefined;
    try {
      const logger = getLogger(`nchan_${port}`, {
        backends: [{
          type: "websocket",
          endpoint: `ws://127.0.0.1:${port}/pub`,
          headers: { Authorization: "Bearer nchan" },
        }],
      });
      for (let i = 0; i < 2000; i++) logger.info(`record ${i}`, { i });
      await logger.shutdown();

      const received: string[] = [];
      subscriber = new WebSocket(`ws://127.0.0.1:${port}/sub`);
      subscriber.onmessage = (e) => received.push(String(e.data));
      const count = () => received.reduce((n, m) => n + (JSON.parse(m) as { count: number }).count, 0);
      assert.ok(await waitFor(() => count() >= 2000, 10_000), `subscriber got ${count()} records`);
      const records = received.flatMap((m) => (JSON.parse(m) as { logs: { message: string }[] }).logs);
      assert.deepEqual(records.map((r) => r.message), Array.from({ length: 2000 }, (_, i) => `record ${i}`));
    } finally {
      subscriber?.close();
      await stopChild(child);
      dir.cleanup();
    }
  });
});
