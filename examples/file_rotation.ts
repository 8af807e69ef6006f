/**
 * The seed's "File Backend with Rotation" example: a daily JSON-lines file,
 * rotated by size, backups gzipped. Here the size limit is tiny (20 KB) so
 * that a few thousand records show the rotation.
 * Run: deno run -A examples/file_rotation.ts [logDir]   # or: bun / node examples/file_rotation.ts [logDir]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type FileBackend, getLogger, LogLevel } from "../mod.ts";
import { readRecordFiles } from "./read_logs.ts";

const logDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "jinpy-files-"));
const logger = getLogger("file_app", {
  backends: [{
    type: "file",
    level: LogLevel.INFO,
    filePath: `${logDir}/app-{date}.log`,
    maxSizeMb: 0.02, // the seed uses 100
    backupCount: 10,
    compression: true,
    encoding: "utf-8",
  }],
});

logger.info("This will be written to a rotating log file");
for (let seq = 1; seq < 5000; seq++) logger.info("order processed", { seq, order_id: `o-${seq}`, amount: seq % 97 });
await logger.shutdown(); // writes the rest and waits for the gzip of rotated files

const backend = logger.getBackends()[0] as FileBackend;
const stats = backend.getStats();
const name = backend.currentPath.slice(backend.currentPath.lastIndexOf("/") + 1); // app-YYYY-MM-DD.log
const { records, files, gz } = await readRecordFiles(logDir, name);
console.log(`${stats.messagesWritten} records written, ${stats.rotations} rotations`);
console.log(`kept ${files.join(", ")} (${gz} gzipped)`);
console.log(`oldest kept record #${records[0].context.seq}, newest #${records[records.length - 1].context.seq}`);
