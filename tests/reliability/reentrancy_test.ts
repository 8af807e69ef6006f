/**
 * Re-entrant logging: a record logged while another record is being
 * serialized (a `toJSON` or getter that logs, as ORM entities do) is kept,
 * lands right after the record being written, and is counted once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../../mod.ts";
import { tempDir } from "../_helpers.ts";
import { recordScenario, seqsOfLines, tally } from "./_record.ts";

const N = 1000;

for (const asyncEnabled of [true, false]) {
  test(`re-entrant logging from toJSON into a file backend (asyncEnabled ${asyncEnabled})`, async () => {
    const dir = tempDir("jinpy-reentrant-");
    try {
      const path = join(dir.path, "app.log");
      const logger = getLogger(`reentrant-${asyncEnabled}`, {
        backends: [{ type: "file", filePath: path, asyncEnabled }],
      });
      for (let i = 0; i < N; i++) {
        // Record 2i carries an entity whose serialization logs record 2i+1.
        const entity = {
          toJSON() {
            logger.info("logged while serializing", { seq: 2 * i + 1 });
            return { id: i };
          },
        };
        logger.info("entity", { seq: 2 * i, entity });
      }
      await logger.shutdown();
      const t = tally(2 * N, seqsOfLines(readFileSync(path, "utf8")));
      const stats = logger.getStats();
      await recordScenario(
        `re-entrant log call from toJSON, file (${asyncEnabled ? "async" : "sync"})`,
        t,
        "kept, in order, counted once",
        () => {
          assert.equal(t.lost, 0);
          assert.equal(t.duplicates, 0);
          assert.equal(t.foreign, 0);
          assert.ok(t.ordered, "each record lands right after the one being serialized");
          assert.equal(stats.messagesLogged, 2 * N);
          assert.equal(stats.backends[0].messagesWritten, 2 * N);
          assert.equal(stats.messagesDropped + stats.messagesFailed, 0);
        },
        `messagesLogged ${stats.messagesLogged}, messagesWritten ${stats.backends[0].messagesWritten}`,
      );
    } finally {
      dir.cleanup();
    }
  });
}
