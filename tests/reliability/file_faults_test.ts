/**
 * File faults: rotation under a burst from several loggers sharing one path
 * in one process (no gaps, no duplicates across all files), and the path
 * becoming unwritable mid-run — a directory put where the file was, or the
 * file replaced by a link to /dev/full (a full disk; root ignores
 * permission bits, so read-only modes would not stop these tests) — which
 * turns the backend unhealthy with every lost record counted, while a
 * second file backend elsewhere keeps everything, and recovery once the
 * path is writable again.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { getLogger, type Logger } from "../../mod.ts";
import { runScript, tempDir } from "../_helpers.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";

let counter = 0;
const tmpfsSkip = tmpfsSkipReason();

/** Every record line of `base` and its backups `base.N`, with the number of files and the largest size. */
function allLines(dir: string, base: string): { text: string; files: number; largest: number } {
  let text = "";
  let files = 0;
  let largest = 0;
  for (const name of readdirSync(dir)) {
    if (name !== base && !(name.startsWith(base + ".") && /^\d+$/.test(name.slice(base.length + 1)))) continue;
    const path = join(dir, name);
    text += readFileSync(path, "utf8");
    files++;
    largest = Math.max(largest, statSync(path).size);
  }
  return { text, files, largest };
}

describe("reliability: file faults", () => {
  test("file rotation under a burst from 4 loggers sharing one path: no gaps, no duplicates, no torn lines", async () => {
    const dir = tempDir();
    const path = join(dir.path, "shared.log");
    const loggers: Logger[] = [];
    try {
      for (let k = 0; k < 4; k++) {
        loggers.push(getLogger(`rel_file_burst_${++counter}`, {
          backends: [{ type: "file", filePath: path, maxSizeMb: 0.05, backupCount: 10_000, bufferSize: 16384 }],
        }));
      }
      const sent = 20_000;
      for (let i = 0; i < sent; i++) loggers[i % 4].info(`record ${i}`, { seq: i });
      await Promise.all(loggers.map((l) => l.flush()));
      const { text, files, largest } = allLines(dir.path, "shared.log");
      const t = tally(sent, seqsOfLines(text));
      const rotations = loggers.reduce((n, l) => n + (l.getBackends()[0].getStats().rotations as number), 0);
      await recordScenario(
        "file: rotation under a burst, 4 loggers sharing one path",
        t,
        "nothing lost, nothing repeated: rotation happens between whole records and every writer re-reads the file size",
        () => {
          assert.equal(t.foreign, 0, "every line is a whole record");
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.ok(files > 20, `${files} files`);
          assert.ok(largest <= 0.05 * 1024 * 1024, `largest file ${largest} bytes`);
        },
        `${files} files, ${rotations} rotations`,
      );
    } finally {
      await Promise.all(loggers.map((l) => l.shutdown()));
      dir.cleanup();
    }
  });

  const faults = [
    {
      name: "a directory",
      skip: false as string | false,
      make: (p: string) => mkdirSync(p),
      undo: (p: string) => rmSync(p, { recursive: true }),
      error: /EISDIR|directory/i,
    },
    {
      name: "a link to /dev/full",
      skip: existsSync("/dev/full") ? false : "needs /dev/full (Linux)",
      make: (p: string) => symlinkSync("/dev/full", p),
      undo: (p: string) => rmSync(p),
      error: /ENOSPC|space/i,
    },
  ];
  for (const fault of faults) {
    test(
      `file path turned into ${fault.name} mid-run: unhealthy, every loss counted, the other backend unaffected, recovers`,
      {
        skip: fault.skip,
      },
      async () => {
        const dir = tempDir();
        const a = join(dir.path, "a", "app.log");
        const b = join(dir.path, "b", "app.log");
        const logger = getLogger(`rel_file_fault_${++counter}`, {
          backends: [
            { type: "file", filePath: a, name: "primary" },
            { type: "file", filePath: b, name: "secondary" },
          ],
        });
        const [primary, secondary] = logger.getBackends();
        try {
          let seq = 0;
          const phase = async (n: number) => {
            for (let i = 0; i < n; i++, seq++) logger.info(`record ${seq}`, { seq });
            await logger.flush();
          };
          await phase(100);
          // Another tool moves the file away and something unwritable takes its place.
          renameSync(a, `${a}.moved`);
          fault.make(a);
          await phase(100);
          const during = primary.getStats();
          const healthyDuring = primary.isHealthy();
          fault.undo(a);
          await phase(100);
          const after = primary.getStats();
          const t = tally(300, seqsOfLines(readFileSync(`${a}.moved`, "utf8") + readFileSync(a, "utf8")));
          const other = tally(300, seqsOfLines(readFileSync(b, "utf8")));
          await recordScenario(
            `file: path turned into ${fault.name} mid-run`,
            t,
            "records written while the path cannot be written are lost, each counted in messagesFailed; the backend reports unhealthy and recovers by itself; other backends are unaffected",
            () => {
              assert.equal(healthyDuring, false, "unhealthy while the path is unwritable");
              assert.equal(during.messagesFailed, 100, "every record of the bad phase counted");
              assert.match(String(during.lastError), fault.error);
              assert.equal(t.lost, 100, "exactly the counted records are missing");
              assert.equal(t.lost, after.messagesFailed);
              assert.equal(t.duplicates, 0);
              assert.equal(after.healthy, true, "healthy again once the path is writable");
              assert.equal(other.lost, 0, "the other backend has every record");
              assert.equal(other.duplicates, 0);
              assert.equal(secondary.isHealthy(), true);
            },
            `messagesFailed ${after.messagesFailed}; second backend delivered ${other.delivered}/300`,
          );
        } finally {
          await logger.shutdown();
          dir.cleanup();
        }
      },
    );
  }

  for (const mode of ["async", "sync"] as const) {
    for (const freed of [true, false]) {
      const label = `file on a full 512 KiB tmpfs (${mode} writes), ${freed ? "then freed" : "still full at shutdown"}`;
      test(`${label}: no torn line, exact counts`, { skip: tmpfsSkip }, async () => {
        const dir = tempDir();
        const mnt = join(dir.path, "mnt");
        mkdirSync(mnt);
        const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt]).status === 0;
        assert.ok(mounted, "mount worked a moment ago");
        const path = join(mnt, "app.log");
        const filler = join(mnt, "filler");
        try {
          // Leave room for a few hundred records only.
          writeFileSync(filler, new Uint8Array(400 * 1024));
          const logger = getLogger(`rel_file_tmpfs_${++counter}`, {
            backends: [{ type: "file", filePath: path, asyncEnabled: mode === "async", bufferSize: 8192 }],
          });
          const backend = logger.getBackends()[0];
          const sent = 2000;
          let seq = 0;
          const phase = async (n: number) => {
            for (let i = 0; i < n; i++, seq++) logger.info(`record ${seq} ${"x".repeat(150)}`, { seq });
            await logger.flush();
          };
          await phase(sent / 2);
          const full = backend.getStats();
          if (freed) rmSync(filler);
          await phase(sent / 2);
          await logger.shutdown();
          const stats = backend.getStats();
          const text = readFileSync(path, "utf8");
          const t = tally(sent, seqsOfLines(text));
          await recordScenario(
            `file: ${label}`,
            t,
            "no torn line: a line begun when the disk filled is completed once there is room, or cut off at shutdown; messagesWritten is what is on disk, messagesFailed what is not",
            () => {
              assert.ok(full.messagesFailed > 0, "the disk did fill");
              assert.equal(t.foreign, 0, "every line is a whole record");
              assert.ok(text === "" || text.endsWith("\n"), "the file ends with a whole line");
              assert.equal(t.duplicates, 0);
              assert.ok(t.ordered);
              assert.equal(stats.messagesWritten, t.delivered, "messagesWritten = records on disk");
              assert.equal(stats.messagesFailed + stats.messagesDropped, t.lost, "every missing record counted");
              if (freed) assert.ok(t.delivered > full.messagesWritten + sent / 4, "writes resumed once freed");
            },
            `messagesWritten ${stats.messagesWritten}, messagesFailed ${stats.messagesFailed}`,
          );
        } finally {
          spawnSync("umount", [mnt]);
          dir.cleanup();
        }
      });
    }
  }
});

/**
 * The records of `base`, its backups `base.N` and, gunzipped, `base.N.gz`,
 * oldest file first, with the number of files and what else lies next to them.
 */
async function allRecords(dir: string, base: string): Promise<{ text: string; files: number; others: string[] }> {
  const found: { index: number; name: string }[] = [];
  const others: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === base) found.push({ index: 0, name });
    else if (name.startsWith(base + ".")) {
      const m = /^([1-9][0-9]*)(\.gz)?$/.exec(name.slice(base.length + 1));
      if (m !== null) found.push({ index: Number(m[1]), name });
      else others.push(name);
    }
  }
  found.sort((a, b) => b.index - a.index);
  let text = "";
  for (const f of found) {
    const bytes = readFileSync(join(dir, f.name));
    text += f.name.endsWith(".gz")
      ? await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text()
      : new TextDecoder().decode(bytes);
  }
  return { text, files: found.length, others };
}

describe("reliability: two processes rotating one file", () => {
  for (const compression of [false, true]) {
    const label = compression ? " and gzipping the backups" : "";
    test(`two processes log to one file with rotation${label}: nothing lost, conflicts counted`, async () => {
      const dir = tempDir();
      try {
        const n = compression ? 4000 : 8000;
        const script = (k: number) =>
          `import { getLogger } from "@jinpy/logger";
import { existsSync, writeFileSync } from "node:fs";
const logger = getLogger("proc${k}", { backends: [{ type: "file", filePath: "shared.log", maxSizeMb: 0.02, backupCount: 100000, bufferSize: 2048, compression: ${compression} }] });
writeFileSync("ready${k}", "");
while (!existsSync("ready0") || !existsSync("ready1")) await new Promise((r) => setTimeout(r, 5));
for (let i = 0; i < ${n}; i++) {
  logger.info("record " + i, { seq: i * 2 + ${k} });
  if (i % 20 === 0) await new Promise((r) => setTimeout(r, 0));
}
await logger.shutdown();
writeFileSync("stats${k}.json", JSON.stringify(logger.getBackends()[0].getStats()));
`;
        const results = await Promise.all([0, 1].map((k) => runScript(dir.path, script(k), { timeoutMs: 60_000 })));
        const { text, files, others } = await allRecords(dir.path, "shared.log");
        const seqs = seqsOfLines(text);
        const t = tally(2 * n, seqs);
        const perProcessInOrder = [0, 1].every((k) => {
          const mine = seqs.filter((s) => s % 2 === k);
          return mine.every((s, i) => i === 0 || s > mine[i - 1]);
        });
        const stats = [0, 1].map((k) => JSON.parse(readFileSync(join(dir.path, `stats${k}.json`), "utf8")));
        const rotations = stats[0].rotations + stats[1].rotations;
        const conflicts = stats[0].rotationConflicts + stats[1].rotationConflicts;
        const compressions = (stats[0].compressions ?? 0) + (stats[1].compressions ?? 0);
        const plain = readdirSync(dir.path).filter((f) => /^shared\.log\.[0-9]+$/.test(f)).length;
        await recordScenario(
          `file: two processes rotating one file${label}`,
          t,
          compression
            ? "nothing lost: each process gzips into a file of its own and puts the gzip in place of the backup, found again by its inode, while holding the rotation lock"
            : "nothing lost: rotations take turns through a lock file next to the log; a rotation another process already did is noticed and counted (rotationConflicts)",
          () => {
            for (const r of results) assert.equal(r.code, 0, r.stderr);
            assert.equal(t.foreign, 0, "every line is a whole record");
            assert.equal(t.lost, 0);
            assert.equal(t.duplicates, 0);
            assert.ok(perProcessInOrder, "each process's records in order, oldest backup first");
            assert.equal(stats[0].messagesFailed + stats[1].messagesFailed, 0);
            assert.ok(rotations > 10, `${rotations} rotations`);
            assert.deepEqual(others.filter((f) => !f.startsWith("shared.log.lock")), [], "no partial gzip left");
            assert.equal(existsSync(join(dir.path, "shared.log.lock")), false, "the lock is released");
            if (compression) {
              assert.equal(plain, 0, "every backup is gzipped");
              assert.equal(compressions, rotations, "one gzip per rotation");
            }
          },
          `${files} files, ${rotations} rotations, ${conflicts} conflicts noticed${
            compression ? `, ${compressions} gzips` : ""
          }`,
        );
      } finally {
        dir.cleanup();
      }
    });
  }
});

/** Why the tmpfs tests cannot run here, or false when they can (mounting needs root). */
function tmpfsSkipReason(): string | false {
  const probe = tempDir();
  try {
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]);
    if (r.status !== 0) return `cannot mount a tmpfs (needs root): ${String(r.stderr ?? "").trim() || r.error}`;
    spawnSync("umount", [probe.path]);
    return false;
  } catch (e) {
    return `cannot mount a tmpfs: ${e}`;
  } finally {
    probe.cleanup();
  }
}
