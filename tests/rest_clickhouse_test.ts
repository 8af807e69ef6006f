/**
 * RestApiBackend against a real ClickHouse (Debian `clickhouse-server`),
 * started here in a temp dir on 127.0.0.1 with free ports, stopped by PID.
 * ClickHouse 18.16 reads `JSONEachRow` with `input_format_skip_unknown_fields`
 * (the record's `context` object and null fields are skipped) and
 * gzip request bodies.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findBinary, freePort, stopChild, tempDir, waitFor } from "./_helpers.ts";
import { getLogger } from "../mod.ts";

const binary = findBinary("clickhouse-server");

function config(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <format_schema_path>${dir}/schemas/</format_schema_path>
  <mark_cache_size>5368709</mark_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

test(
  "RestApiBackend delivers 5 000 ndjson records into a real ClickHouse JSONEachRow table",
  { skip: binary ? false : "clickhouse-server is not installed (apt-get install clickhouse-server)" },
  async () => {
    const dir = tempDir("jinpy-ch-");
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir.path, "config.xml"), config(dir.path, httpPort, tcpPort));
    writeFileSync(join(dir.path, "users.xml"), USERS);
    let stderr = "";
    const child = spawn(binary!, [`--config-file=${join(dir.path, "config.xml")}`], {
      cwd: dir.path,
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => stderr = (stderr + d).slice(-4000));
    const base = `http://127.0.0.1:${httpPort}`;
    const query = async (sql: string) => {
      const res = await fetch(`${base}/`, { method: "POST", body: sql });
      const body = await res.text();
      assert.equal(res.status, 200, body);
      return body.trim();
    };
    try {
      const up = await waitFor(
        async () => {
          if (child.exitCode !== null) return true;
          try {
            return (await (await fetch(`${base}/ping`)).text()).startsWith("Ok");
          } catch {
            return false;
          }
        },
        30_000,
        100,
      );
      assert.ok(up && child.exitCode === null, `clickhouse-server did not start: ${stderr}`);
      await query(
        "CREATE TABLE logs (timestamp String, level String, message String, logger_name String) ENGINE = MergeTree() ORDER BY tuple()",
      );
      const insert = encodeURIComponent("INSERT INTO logs FORMAT JSONEachRow");
      for (const compression of [false, true]) {
        const logger = getLogger(`clickhouse_${compression}`, {
          backends: [{
            type: "rest_api",
            endpoint: `${base}/?query=${insert}&input_format_skip_unknown_fields=1`,
            payloadFormat: "ndjson",
            batchSize: 1000,
            compression,
            retryBaseDelay: 0.05,
          }],
        });
        for (let i = 0; i < 2500; i++) logger.info(`record ${i}`, { i, compression });
        await logger.flush();
        const s = logger.getBackends()[0].getStats();
        assert.equal(s.messagesWritten, 2500, String(s.lastError));
        assert.equal(s.batchesSent, 3);
        await logger.shutdown();
      }
      assert.equal(await query("SELECT count() FROM logs"), "5000");
      assert.equal(await query("SELECT uniqExact(message) FROM logs"), "2500");
      assert.equal(
        await query("SELECT DISTINCT logger_name FROM logs ORDER BY logger_name"),
        "clickhouse_false\nclickhouse_true",
      );
    } finally {
      await stopChild(child, 1000);
      dir.cleanup();
    }
  },
);
