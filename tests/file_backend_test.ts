import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { BackendFactory, FileBackend, getLogger, LoggerBackendError, type LogRecord } from "../mod.ts";
import { ROOT, runCommand, runScript, runtime, tempDir, WIRE_KEYS } from "./_helpers.ts";

const MB = 1024 * 1024;

async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/** Backups of `name` in `dir` (`name.N`, `name.N.gz`), oldest (highest N) first. */
function backups(dir: string, name: string): { file: string; index: number; gz: boolean }[] {
  const out: { file: string; index: number; gz: boolean }[] = [];
  for (const file of readdirSync(dir)) {
    const m = /^(.*)\.(\d+)(\.gz)?$/.exec(file);
    if (m && m[1] === name) out.push({ file, index: Number(m[2]), gz: m[3] !== undefined });
  }
  return out.sort((a, b) => b.index - a.index);
}

async function readText(path: string): Promise<string> {
  const bytes = readFileSync(path);
  return path.endsWith(".gz") ? await gunzip(bytes) : new TextDecoder().decode(bytes);
}

function lines(text: string): string[] {
  assert.ok(text === "" || text.endsWith("\n"), "every file ends at a record boundary");
  return text === "" ? [] : text.slice(0, -1).split("\n");
}

/** Every record of `name` in `dir`: backups oldest first, then the live file. */
async function readAll(dir: string, name: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const files = [...backups(dir, name).map((b) => b.file), name].filter((f) => existsSync(`${dir}/${f}`));
  for (const f of files) for (const line of lines(await readText(`${dir}/${f}`))) out.push(JSON.parse(line));
  return out;
}

function assertContiguous(records: LogRecord[], last: number): void {
  const seqs = records.map((r) => r.context.seq as number);
  assert.ok(seqs.length > 0, "some records survive");
  assert.equal(seqs[seqs.length - 1], last, "the newest record is last");
  const first = seqs[0];
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== first + i) assert.fail(`sequence broken at position ${i}: ${seqs[i - 1]} then ${seqs[i]}`);
  }
}

const pad = "x".repeat(120);

describe("FileBackend", () => {
  test("FileBackend writes one JSON record per line with the wire keys and counts them", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_basic", {
        backends: [{ type: "file", filePath: `${dir.path}/nested/deeper/app.log` }],
      });
      logger.info("hello", { user: "alice" });
      logger.warning("line\nbreak", { n: 2 });
      await logger.flush();
      const records = await readAll(`${dir.path}/nested/deeper`, "app.log");
      assert.deepEqual(records.map((r) => [r.level, r.message, r.context]), [
        ["info", "hello", { user: "alice" }],
        ["warning", "line\nbreak", { n: 2 }],
      ]);
      assert.deepEqual(Object.keys(records[0]), WIRE_KEYS);
      const stats = logger.getBackends()[0].getStats();
      assert.equal(stats.messagesWritten, 2);
      assert.equal(stats.bytesWritten, statSync(`${dir.path}/nested/deeper/app.log`).size);
      assert.equal(stats.messagesFailed, 0);
      assert.equal(stats.lastError, null);
      assert.equal(logger.getBackends()[0].isHealthy(), true);
      assert.ok(BackendFactory.getRegisteredTypes().includes("file"));
      assert.ok(logger.getBackends()[0] instanceof FileBackend);
      await logger.shutdown();
    } finally {
      dir.cleanup();
    }
  });

  test("backupCount 0 keeps one rotated file (.1), as the Python edition does; nothing else piles up", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_backup0", {
        backends: [{ type: "file", file_path: `${dir.path}/b0.log`, max_size_mb: 0.001, backup_count: 0 }],
      });
      const pad = "x".repeat(600);
      for (let i = 0; i < 4; i++) {
        logger.info(`r${i}`, { pad });
        await logger.flush();
      }
      await logger.shutdown();
      assert.deepEqual(backups(dir.path, "b0.log").map((b) => b.file), ["b0.log.1"]);
      const live = lines(await readText(`${dir.path}/b0.log`)).map((l) => JSON.parse(l).message);
      const kept = lines(await readText(`${dir.path}/b0.log.1`)).map((l) => JSON.parse(l).message);
      assert.deepEqual(live, ["r3"]);
      assert.deepEqual(kept, ["r2"]);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend writes the plain and structured formats without colors", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_plain", {
        backends: [
          { type: "file", filePath: `${dir.path}/plain.log`, format: "plain", timestampFormat: "%H:%M" },
          { type: "file", filePath: `${dir.path}/kv.log`, format: "structured" },
        ],
      });
      logger.error("disk almost full", { free_mb: 12 });
      await logger.shutdown();
      const plain = readFileSync(`${dir.path}/plain.log`, "utf8");
      assert.match(plain, /^\d\d:\d\d ERROR +file_plain: disk almost full free_mb=12\n$/);
      assert.ok(!plain.includes("\x1b["));
      const kv = readFileSync(`${dir.path}/kv.log`, "utf8");
      assert.match(kv, /level=error logger=file_plain message="disk almost full" free_mb=12\n$/);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend without asyncEnabled and with bufferSize 0 writes in the logging call", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_sync", {
        backends: [{ type: "file", filePath: `${dir.path}/sync.log`, asyncEnabled: false, bufferSize: 0 }],
      });
      logger.info("one");
      assert.equal(lines(readFileSync(`${dir.path}/sync.log`, "utf8")).length, 1);
      logger.info("two");
      assert.equal(lines(readFileSync(`${dir.path}/sync.log`, "utf8")).length, 2);
      await logger.shutdown();
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend writes a full buffer after the logging call returns", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_async", {
        backends: [{ type: "file", filePath: `${dir.path}/a.log`, bufferSize: 1000, flushInterval: 60 }],
      });
      for (let i = 0; i < 20; i++) logger.info("async record", { seq: i, pad });
      assert.equal(readFileSync(`${dir.path}/a.log`, "utf8"), "", "nothing written inside the logging calls");
      await Promise.resolve();
      assert.equal(lines(readFileSync(`${dir.path}/a.log`, "utf8")).length, 20);
      await logger.shutdown();
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend writes a partial buffer after flushInterval", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_interval", {
        backends: [{ type: "file", filePath: `${dir.path}/i.log`, flushInterval: 0.05 }],
      });
      logger.info("waits for the timer");
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(readFileSync(`${dir.path}/i.log`, "utf8"), "");
      const end = Date.now() + 5000;
      while (readFileSync(`${dir.path}/i.log`, "utf8") === "" && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(lines(readFileSync(`${dir.path}/i.log`, "utf8")).length, 1);
      await logger.shutdown();
    } finally {
      dir.cleanup();
    }
  });

  for (const compression of [false, true]) {
    test(`FileBackend rotates at record boundaries under a burst${compression ? ", gzipping backups" : ""}`, async () => {
      const dir = tempDir();
      try {
        const maxSizeMb = 0.02;
        const backupCount = 3;
        const logger = getLogger(`file_rotate_${compression}`, {
          backends: [{ type: "file", filePath: `${dir.path}/app.log`, maxSizeMb, backupCount, compression }],
        });
        const total = 6000;
        for (let burst = 0; burst < total / 500; burst++) {
          for (let i = burst * 500; i < (burst + 1) * 500; i++) logger.info("burst record", { seq: i, pad });
          // Mid-burst, without waiting: backups never exceed backupCount.
          await Promise.resolve();
          assert.ok(backups(dir.path, "app.log").length <= backupCount);
          await logger.flush();
          const found = backups(dir.path, "app.log");
          assert.ok(found.length <= backupCount, `at most ${backupCount} backups, found ${found.map((b) => b.file)}`);
          if (compression) {
            assert.ok(
              found.every((b) => b.gz),
              `every backup gzipped after flush: ${found.map((b) => b.file)}`,
            );
          } else assert.ok(found.every((b) => !b.gz));
          for (const b of found) {
            if (!b.gz) assert.ok(statSync(`${dir.path}/${b.file}`).size <= maxSizeMb * MB);
          }
          assert.ok(statSync(`${dir.path}/app.log`).size <= maxSizeMb * MB);
        }
        const records = await readAll(dir.path, "app.log");
        assertContiguous(records, total - 1);
        // Three full backups of ~20 KB of ~300-byte records, and the live file, survive.
        assert.ok(records.length > 180 && records.length < 300, `${records.length} records survive`);
        assert.deepEqual(backups(dir.path, "app.log").map((b) => b.index), [3, 2, 1]);
        const stats = logger.getBackends()[0].getStats();
        assert.equal(stats.messagesWritten, total);
        assert.ok((stats.rotations as number) > 50, `rotations ${stats.rotations}`);
        if (compression) assert.ok((stats.compressions as number) >= 3);
        assert.equal(stats.messagesFailed, 0);
        await logger.shutdown();
        assert.ok(!readdirSync(dir.path).some((f) => f.endsWith(".partial")));
      } finally {
        dir.cleanup();
      }
    });
  }

  test("FileBackend gives a record larger than maxSizeMb a file of its own, never splitting it", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_big", {
        backends: [{ type: "file", filePath: `${dir.path}/big.log`, maxSizeMb: 0.0001, backupCount: 10 }],
      });
      for (let i = 0; i < 5; i++) logger.info("big", { seq: i, pad });
      await logger.shutdown();
      for (const f of [...backups(dir.path, "big.log").map((b) => b.file), "big.log"]) {
        assert.equal(lines(readFileSync(`${dir.path}/${f}`, "utf8")).length, 1, f);
      }
      assertContiguous(await readAll(dir.path, "big.log"), 4);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend answers concurrent flush() calls during rotation without losing or repeating records", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_concurrent", {
        backends: [{ type: "file", filePath: `${dir.path}/c.log`, maxSizeMb: 0.01, backupCount: 4, compression: true }],
      });
      const flushes: Promise<void>[] = [];
      let seq = 0;
      for (let round = 0; round < 30; round++) {
        for (let i = 0; i < 100; i++) logger.info("concurrent", { seq: seq++, pad });
        flushes.push(logger.flush(), logger.getBackends()[0].flush());
        if (round % 3 === 0) await flushes[flushes.length - 1];
        else await Promise.resolve();
        assert.ok(backups(dir.path, "c.log").length <= 4);
      }
      await Promise.all(flushes);
      const found = backups(dir.path, "c.log");
      assert.ok(found.length <= 4 && found.every((b) => b.gz), found.map((b) => b.file).join());
      assertContiguous(await readAll(dir.path, "c.log"), seq - 1);
      assert.equal(logger.getBackends()[0].getStats().messagesWritten, seq);
      await logger.shutdown();
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend flush() waits for the gzips of earlier rotations, not for records logged after the call", async () => {
    const dir = tempDir();
    const path = `${dir.path}/busy.log`;
    const logger = getLogger(`file_flush_scope_${Math.random()}`, {
      backends: [{
        type: "file",
        filePath: path,
        maxSizeMb: 0.01,
        backupCount: 100_000,
        compression: true,
        bufferSize: 1024,
        asyncEnabled: false,
      }],
    });
    const backend = logger.getBackends()[0];
    try {
      let seq = 0;
      const burst = (n: number) => {
        for (let i = 0; i < n; i++, seq++) logger.info(`record ${seq} ${"x".repeat(100)}`, { seq });
      };
      burst(400);
      const rotationsBefore = backend.getStats().rotations as number;
      assert.ok(rotationsBefore >= 3, `${rotationsBefore} rotations before flush()`);
      // Logging goes on, with more rotations and gzips, until flush() resolves or a cap is reached.
      let flushed = false;
      const cap = 40_000;
      const pump = (async () => {
        while (!flushed && seq < cap) {
          burst(100);
          await new Promise((r) => setTimeout(r, 0));
        }
      })();
      await logger.flush();
      flushed = true;
      const gzipped = backups(dir.path, "busy.log").filter((b) => b.gz).length;
      const loggedDuring = seq;
      await pump;
      assert.ok(loggedDuring < cap, "flush() resolved while logging went on");
      assert.ok(gzipped >= rotationsBefore, `${gzipped} gzipped backups, ${rotationsBefore} rotations before flush()`);
    } finally {
      await logger.shutdown();
      dir.cleanup();
    }
  });

  test("FileBackend appends to an earlier run's file, counts its size and prunes its gzipped backups", async () => {
    const dir = tempDir();
    try {
      const config = {
        backends: [{
          type: "file",
          filePath: `${dir.path}/app.log`,
          maxSizeMb: 0.01,
          backupCount: 2,
          compression: true,
          asyncEnabled: false,
          bufferSize: 0,
        }],
      };
      const first = getLogger("file_run1", config);
      let seq = 0;
      for (; seq < 400; seq++) first.info("first run", { seq, pad });
      await first.shutdown();
      // A backup from a run that kept more of them.
      writeFileSync(
        `${dir.path}/app.log.7.gz`,
        new Uint8Array(
          await new Response(
            new Blob(["stale\n"]).stream().pipeThrough(new CompressionStream("gzip")),
          ).arrayBuffer(),
        ),
      );
      assert.deepEqual(backups(dir.path, "app.log").map((b) => b.file), [
        "app.log.7.gz",
        "app.log.2.gz",
        "app.log.1.gz",
      ]);
      const live = readFileSync(`${dir.path}/app.log`, "utf8");
      const newestBackup = await readText(`${dir.path}/app.log.1.gz`);
      const oldestBackup = await readText(`${dir.path}/app.log.2.gz`);

      const second = getLogger("file_run2", config);
      const backend = second.getBackends()[0];
      // Records go on after the first run's, until the size counted from the
      // existing file calls for exactly one rotation.
      second.info("second run", { seq: seq++, pad });
      assert.ok(readFileSync(`${dir.path}/app.log`, "utf8").startsWith(live), "appended, not truncated");
      while (backend.getStats().rotations === 0) second.info("second run", { seq: seq++, pad });
      await second.flush();
      assert.deepEqual(backups(dir.path, "app.log").map((b) => b.file), ["app.log.2.gz", "app.log.1.gz"]);
      assert.equal(await readText(`${dir.path}/app.log.2.gz`), newestBackup, "old .1.gz shifted to .2.gz");
      assert.notEqual(await readText(`${dir.path}/app.log.2.gz`), oldestBackup);
      assert.ok((await readText(`${dir.path}/app.log.1.gz`)).startsWith(live), "the first run's live file rotated");
      assert.ok(statSync(`${dir.path}/app.log.1.gz`).size > 0);

      for (let i = 0; i < 400; i++) second.info("second run", { seq: seq++, pad });
      await second.shutdown();
      assert.deepEqual(backups(dir.path, "app.log").map((b) => b.file), ["app.log.2.gz", "app.log.1.gz"]);
      assertContiguous(await readAll(dir.path, "app.log"), seq - 1);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend instances sharing one path rotate and gzip it together without losing records", async () => {
    const dir = tempDir();
    try {
      const config = {
        backends: [{
          type: "file",
          filePath: `${dir.path}/shared.log`,
          maxSizeMb: 0.01,
          backupCount: 100,
          compression: true,
        }],
      };
      const a = getLogger("shared_a", config);
      const b = getLogger("shared_b", config);
      for (let i = 0; i < 1000; i++) {
        a.info("from a", { seq: i, pad });
        b.info("from b", { seq: i, pad });
        if (i % 250 === 0) await Promise.resolve();
      }
      await Promise.all([a.shutdown(), b.shutdown()]);
      const found = backups(dir.path, "shared.log");
      assert.ok(found.length > 10 && found.length < 100 && found.every((f) => f.gz), found.map((f) => f.file).join());
      const records = await readAll(dir.path, "shared.log");
      for (const name of ["shared_a", "shared_b"]) {
        const seqs = records.filter((r) => r.logger_name === name).map((r) => r.context.seq);
        assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i), `${name}: every record once, in order`);
      }
      for (const f of readdirSync(dir.path).filter((f) => !f.endsWith(".gz"))) {
        assert.ok(statSync(`${dir.path}/${f}`).size <= 0.01 * MB, `${f} within maxSizeMb`);
      }
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend tidies what a crash during compression left behind", async () => {
    const dir = tempDir();
    try {
      const p = `${dir.path}/app.log`;
      writeFileSync(p, '{"context":{"seq":3}}\n');
      writeFileSync(`${p}.1`, '{"context":{"seq":2}}\n');
      writeFileSync(`${p}.2`, '{"context":{"seq":1}}\n');
      writeFileSync(
        `${p}.2.gz`,
        new Uint8Array(
          await new Response(
            new Blob(['{"context":{"seq":1}}\n']).stream().pipeThrough(new CompressionStream("gzip")),
          ).arrayBuffer(),
        ),
      );
      writeFileSync(`${p}.gz.partial`, "half a gzip");
      // A process id above the kernel's limit has no process: its gzip was cut short.
      writeFileSync(`${p}.999999999-1.gz.partial`, "half a gzip");
      // The parent runs: it may be gzipping still.
      const running = `app.log.${process.ppid}-1.gz.partial`;
      writeFileSync(`${dir.path}/${running}`, "a gzip in progress");
      const logger = getLogger("file_recover", {
        backends: [{ type: "file", filePath: p, backupCount: 3, compression: true }],
      });
      logger.info("after restart", { seq: 4 });
      await logger.shutdown();
      assert.deepEqual(readdirSync(dir.path).sort(), ["app.log", "app.log.1.gz", "app.log.2.gz", running].sort());
      rmSync(`${dir.path}/${running}`);
      assertContiguous(await readAll(dir.path, "app.log"), 4);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend starts on a new line after a half-written last line", async () => {
    const dir = tempDir();
    try {
      writeFileSync(`${dir.path}/app.log`, '{"context":{"seq":1}}\n{"context":{"se');
      const logger = getLogger("file_half_line", { backends: [{ type: "file", filePath: `${dir.path}/app.log` }] });
      logger.info("next run", { seq: 2 });
      await logger.shutdown();
      const all = lines(readFileSync(`${dir.path}/app.log`, "utf8"));
      assert.equal(all.length, 3);
      assert.equal(all[1], '{"context":{"se');
      assert.equal(JSON.parse(all[2]).context.seq, 2);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend expands {date} in filePath to the local date", async () => {
    const dir = tempDir();
    try {
      const logger = getLogger("file_date", {
        backends: [{ type: "file", filePath: `${dir.path}/{date}/app-{date}.log` }],
      });
      logger.info("dated");
      await logger.shutdown();
      const d = new Date();
      const ymd = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${
        String(d.getDate()).padStart(2, "0")
      }`;
      assert.equal(lines(readFileSync(`${dir.path}/${ymd}/app-${ymd}.log`, "utf8")).length, 1);
    } finally {
      dir.cleanup();
    }
  });

  for (const asyncEnabled of [true, false]) {
    test(`FileBackend starts the new day's file at midnight (fake clock, asyncEnabled ${asyncEnabled})`, async () => {
      const dir = tempDir();
      try {
        let now = new Date(2026, 0, 31, 23, 59, 59, 500).getTime();
        const logger = getLogger("file_midnight", {
          backends: [{
            type: "file",
            filePath: `${dir.path}/app-{date}.log`,
            clock: () => now,
            asyncEnabled,
            flushInterval: 60,
          }],
        });
        const backend = logger.getBackends()[0] as FileBackend;
        assert.equal(backend.currentPath, `${dir.path}/app-2026-01-31.log`);
        for (let seq = 0; seq < 3; seq++) logger.info("old day", { seq });
        now += 499;
        logger.info("old day", { seq: 3 });
        now += 1; // 00:00:00.000 local
        for (let seq = 4; seq < 7; seq++) logger.info("new day", { seq });
        assert.equal(backend.currentPath, `${dir.path}/app-2026-02-01.log`);
        await logger.flush();
        const day1 = lines(readFileSync(`${dir.path}/app-2026-01-31.log`, "utf8")).map((l) =>
          JSON.parse(l).context.seq
        );
        const day2 = lines(readFileSync(`${dir.path}/app-2026-02-01.log`, "utf8")).map((l) =>
          JSON.parse(l).context.seq
        );
        assert.deepEqual(day1, [0, 1, 2, 3]);
        assert.deepEqual(day2, [4, 5, 6]);
        await logger.shutdown();
      } finally {
        dir.cleanup();
      }
    });
  }

  test("FileBackend writes the Python edition's production config with the keys of its record", async () => {
    const dir = tempDir();
    try {
      const seed = JSON.parse(readFileSync(`${ROOT}/../shared/seed/python-edition-configs.json`, "utf8"));
      const config = structuredClone(seed.production);
      config.backends[0].file_path = `${dir.path}/logs/app.log`;
      const logger = getLogger("pyapp", config);
      const backend = logger.getBackends()[0];
      assert.ok(backend instanceof FileBackend);
      assert.equal(backend.config.compression, true);
      assert.equal(backend.config.backupCount, 10);
      logger.setCorrelationId("c-1");
      logger.debug("below info, not written");
      logger.info("hello", { user: "alice" });
      await logger.shutdown();
      const [line, ...rest] = lines(readFileSync(`${dir.path}/logs/app.log`, "utf8"));
      assert.equal(rest.length, 0);
      const record = JSON.parse(line);
      assert.deepEqual(Object.keys(record), Object.keys(seed.python_record));
      const { timestamp: _t, ...fields } = record;
      const { timestamp: _p, ...expected } = seed.python_record;
      assert.deepEqual(fields, expected);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend refuses a path that is a directory or below a file, naming the path", () => {
    const dir = tempDir();
    try {
      mkdirSync(`${dir.path}/a-dir`);
      assert.throws(
        () => BackendFactory.createBackend({ type: "file", filePath: `${dir.path}/a-dir` }),
        (e: unknown) =>
          e instanceof LoggerBackendError && e.message.includes(`${dir.path}/a-dir`) && /directory/.test(e.message),
      );
      writeFileSync(`${dir.path}/a-file`, "");
      assert.throws(
        () => getLogger("file_enotdir", { backends: [{ type: "file", filePath: `${dir.path}/a-file/app.log` }] }),
        (e: unknown) => e instanceof LoggerBackendError && e.message.includes(`${dir.path}/a-file/app.log`),
      );
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend on Deno without --allow-write names the missing permission", {
    skip: runtime === "deno" ? false : "permissions exist on Deno only",
  }, async () => {
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `
        import { getLogger } from "@jinpy/logger";
        try {
          getLogger("noperm", { backends: [{ type: "file", filePath: "logs/app.log" }] });
          console.log("created");
        } catch (e) {
          console.log(e.name + ": " + e.message);
        }
      `,
        { denoFlags: [`--allow-read=${dir.path}`] },
      );
      assert.match(result.stdout, /LoggerBackendError: .*logs\/app\.log.*--allow-write/);
      assert.ok(!existsSync(`${dir.path}/logs`));
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend that cannot write turns unhealthy, counts, reports once, and other backends keep working", {
    skip: existsSync("/dev/full") ? false : "needs /dev/full (Linux) to make writes fail",
  }, async () => {
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `
        import { getLogger } from "@jinpy/logger";
        const logger = getLogger("full", { backends: [
          { type: "console", format: "plain", useColors: false },
          { type: "file", filePath: "/dev/full", asyncEnabled: false, bufferSize: 0 },
        ] });
        for (let i = 0; i < 3; i++) logger.info("still logging", { seq: i });
        const file = logger.getBackends()[1];
        const stats = file.getStats();
        await logger.shutdown();
        console.log(JSON.stringify({ healthy: file.isHealthy(), failed: stats.messagesFailed, written: stats.messagesWritten, lastError: stats.lastError }));
      `,
      );
      const out = result.stdout.trim().split("\n");
      assert.equal(out.filter((l) => l.includes("still logging")).length, 3, result.stdout + result.stderr);
      const summary = JSON.parse(out[out.length - 1]);
      assert.equal(summary.healthy, false);
      assert.equal(summary.failed, 3);
      assert.equal(summary.written, 0);
      assert.match(summary.lastError, /ENOSPC|space/i);
      const reports = result.stderr.split("\n").filter((l) => l.includes("[@jinpy/logger]"));
      assert.equal(reports.length, 1, result.stderr);
      assert.match(reports[0], /file backend failed/);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend counts records handled after shutdown as dropped", async () => {
    const dir = tempDir();
    try {
      const backend = BackendFactory.createBackend({ type: "file", filePath: `${dir.path}/s.log` });
      await backend.shutdown();
      await backend.shutdown();
      const { LogEntry } = await import("../mod.ts");
      backend.handle(new LogEntry(20, "late", "app"));
      assert.equal(backend.getStats().messagesDropped, 1);
      assert.equal(readFileSync(`${dir.path}/s.log`, "utf8"), "");
    } finally {
      dir.cleanup();
    }
  });
});

describe("FileBackend in a process that ends", () => {
  test("FileBackend has all 100 000 records on disk when a script ends without shutdown()", async () => {
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `
        import { getLogger } from "@jinpy/logger";
        const logger = getLogger("exit_app", { backends: [{ type: "file", filePath: "logs/app.log" }] });
        for (let i = 0; i < 100000; i++) logger.info("record", { seq: i });
      `,
      );
      assert.equal(result.code, 0, result.stderr);
      const records = lines(readFileSync(`${dir.path}/logs/app.log`, "utf8"));
      assert.equal(records.length, 100000);
      assert.equal(JSON.parse(records[0]).context.seq, 0);
      assert.equal(JSON.parse(records[99999]).context.seq, 99999);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend has every record on disk when the script calls exit()", async () => {
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `
        import { getLogger } from "@jinpy/logger";
        const logger = getLogger("exit_app", { backends: [{ type: "file", filePath: "logs/app.log", flushInterval: 60 }] });
        setTimeout(() => {
          for (let i = 0; i < 1000; i++) logger.info("record", { seq: i });
          const g = globalThis as any;
          if (g.Deno) g.Deno.exit(3); else g.process.exit(3);
        }, 1);
      `,
      );
      assert.equal(result.code, 3, result.stderr);
      assert.equal(lines(readFileSync(`${dir.path}/logs/app.log`, "utf8")).length, 1000);
    } finally {
      dir.cleanup();
    }
  });

  test("FileBackend and console routed by level: DEBUG console only, INFO and up to both", async () => {
    const dir = tempDir();
    try {
      const result = await runScript(
        dir.path,
        `
        import { getLogger, LogLevel } from "@jinpy/logger";
        const logger = getLogger("multi_backend_app", {
          backends: [
            { type: "console", level: LogLevel.DEBUG, useColors: false, format: "plain" },
            { type: "file", level: LogLevel.INFO, filePath: "logs/app.log", maxSizeMb: 50, backupCount: 5 },
          ],
        });
        logger.debug("Debug information");
        logger.info("Application started");
        logger.error("Critical error occurred");
      `,
      );
      assert.equal(result.code, 0, result.stderr);
      const console = result.stdout.trim().split("\n");
      assert.equal(console.length, 3, result.stdout);
      assert.match(console[0], /DEBUG .*Debug information/);
      assert.match(console[1], /INFO .*Application started/);
      assert.match(console[2], /ERROR .*Critical error occurred/);
      const file = lines(readFileSync(`${dir.path}/logs/app.log`, "utf8")).map((l) => JSON.parse(l));
      assert.deepEqual(file.map((r) => [r.level, r.message]), [
        ["info", "Application started"],
        ["error", "Critical error occurred"],
      ]);
    } finally {
      dir.cleanup();
    }
  });
});

test("examples/file_rotation.ts keeps the newest records in a daily file and 10 gzipped backups", {
  skip: runtime === "deno" ? false : "the examples are Deno scripts; this runs in the Deno pass",
}, async () => {
  const dir = tempDir();
  try {
    const exec = (globalThis as unknown as { process: { execPath: string } }).process.execPath;
    const r = await runCommand([exec, "run", "-A", `${ROOT}/examples/file_rotation.ts`, dir.path], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /5000 records written, \d+ rotations/);
    assert.match(r.stdout, /\(10 gzipped\)/);
    assert.match(r.stdout, /newest #4999/);
  } finally {
    dir.cleanup();
  }
});
