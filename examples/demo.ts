/**
 * The demo: an embedded collector with a live page, and a scripted scenario
 * that logs through every backend at once — console, rotating gzip file,
 * REST (batches, an outage with retries and spool replay, an encrypted
 * stream) and WebSocket (a dropped connection and reconnect) — then checks,
 * per backend, that every record sent was received.
 *
 *   deno task demo            # keeps the page up until Ctrl-C (in a terminal)
 *   deno task demo --once     # exits when the scenario ends (also when stdin is not a TTY)
 *   deno task demo --keep     # keeps the page up even when stdin is not a TTY
 */
import { getLogger, type Logger, type LoggerStats } from "../mod.ts";
import { startCollector } from "./collector.ts";
import { readRecordFiles } from "./read_logs.ts";

const once = !Deno.args.includes("--keep") && (Deno.args.includes("--once") || !Deno.stdin.isTerminal());
const KEY = "demo-passphrase-change-me";
const collector = await startCollector({ encryptionKey: KEY });
const dir = await Deno.makeTempDir({ prefix: "jinpy-demo-" });

console.log(`\n  Live page: ${collector.url}\n  Log files: ${dir}\n`);

const logger = getLogger("demo", {
  level: "debug",
  backends: [
    { type: "console", name: "console", level: "error", format: "plain", timestampFormat: "%H:%M:%S.%f" },
    {
      type: "file",
      name: "file",
      filePath: `${dir}/app.log`,
      maxSizeMb: 0.1,
      backupCount: 100,
      compression: true,
      flushInterval: 0.2,
    },
    {
      type: "rest_api",
      name: "rest",
      endpoint: collector.restUrl("rest"),
      batchSize: 50,
      batchTimeout: 0.2,
      retryCount: 2,
      retryBaseDelay: 0.2,
      retryMaxDelay: 0.5,
      timeoutSeconds: 5,
      fallbackToFile: true,
      fallbackFile: `${dir}/rest-spool.ndjson`,
    },
    {
      type: "websocket",
      name: "websocket",
      endpoint: collector.wsUrl("websocket"),
      batchSize: 50,
      reconnectInterval: 0.2,
      maxReconnectAttempts: 0,
    },
  ],
});
const secure = getLogger("demo.secure", {
  backends: [{
    type: "rest_api",
    name: "rest-encrypted",
    endpoint: collector.restUrl("rest-encrypted"),
    encryptPayload: true,
    encryptionKey: KEY,
    batchSize: 20,
    batchTimeout: 0.2,
  }],
});

const ROUTES = ["/api/orders", "/api/users", "/api/cart", "/health", "/api/search"];
const sent = { console: 0, file: 0, rest: 0, websocket: 0, "rest-encrypted": 0 };
let seq = 0;

function logOne(target: Logger, phase: string): void {
  const n = ++seq;
  const route = ROUTES[n % ROUTES.length];
  const ms = (n * 37) % 900;
  const ctx = { seq: n, phase, route, status: ms > 800 ? 503 : 200, ms, user: { id: n % 17, password: "hunter2" } };
  if (target === secure) {
    secure.info(`encrypted audit event ${n}`, ctx);
    sent["rest-encrypted"]++;
    return;
  }
  if (n % 397 === 0) {
    logger.error(`upstream failed on ${route}`, {
      ...ctx,
      error: new Error("connection reset", { cause: "peer closed" }),
    });
  } else if (n % 31 === 0) logger.warning(`slow request ${route}`, ctx);
  else if (n % 3 === 0) logger.debug(`cache lookup ${route}`, ctx);
  else logger.info(`GET ${route} ${ctx.status}`, ctx);
  if (n % 397 === 0) sent.console++;
  sent.file++;
  sent.rest++;
  sent.websocket++;
}

async function paced(count: number, seconds: number, phase: string, target: Logger = logger): Promise<void> {
  const perTick = Math.max(1, Math.ceil(count / (seconds * 20)));
  for (let i = 0; i < count; i += perTick) {
    for (let j = 0; j < perTick && i + j < count; j++) logOne(target, phase);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const statsTimer = setInterval(() => {
  collector.publish("stats", [...logger.getStats().backends, ...secure.getStats().backends]);
}, 300);

const step = (text: string) => console.log(`\n  ▸ ${text}`);

step("warm-up: 600 records through the console (errors only), file, REST and WebSocket");
await paced(600, 2, "warm-up");

step("REST outage: the collector answers 503 for 3 s; batches retry, then go to the spool");
collector.outage(3000);
await paced(500, 2, "outage");
await new Promise((r) => setTimeout(r, 1200));
step("collector back: the spool is replayed first, in order");

step("WebSocket drop: the collector closes the connection; the backend reconnects and re-sends");
await paced(200, 0.5, "before-drop");
collector.dropWebSockets();
await paced(300, 1, "after-drop");

step("encrypted stream: 200 records as AES-256-GCM envelopes, decrypted by the collector");
await paced(200, 1, "encrypted", secure);

step("burst: 4 000 records at once (the file rotates and gzips its backups)");
for (let i = 0; i < 4000; i++) logOne(logger, "burst");

await logger.flush();
await secure.flush();

// Delivery is at-least-once and the spool replays in the background: wait until it settles.
const seqs = (source: string) =>
  new Set((collector.received.records.get(source) ?? []).map((r) => r.context.seq as number));
const deadline = Date.now() + 20_000;
while (
  Date.now() < deadline &&
  (seqs("rest").size < sent.rest || seqs("websocket").size < sent.websocket ||
    seqs("rest-encrypted").size < sent["rest-encrypted"])
) {
  await logger.flush();
  await new Promise((r) => setTimeout(r, 100));
}
const finalStats: LoggerStats = logger.getStats();
const secureStats: LoggerStats = secure.getStats();
await logger.shutdown();
await secure.shutdown();
clearInterval(statsTimer);

const fileRecords = await readRecordFiles(dir, "app.log");
const consoleStats = finalStats.backends.find((b) => b.name === "console");
const restStats = finalStats.backends.find((b) => b.name === "rest");

interface Row {
  backend: string;
  sent: number;
  received: number;
  duplicates: number;
  lost: number;
  note: string;
}
const rows: Row[] = [];
const add = (backend: string, sentN: number, receivedSeqs: number[], note: string) => {
  const unique = new Set(receivedSeqs);
  rows.push({
    backend,
    sent: sentN,
    received: unique.size,
    duplicates: receivedSeqs.length - unique.size,
    lost: Math.max(0, sentN - unique.size),
    note,
  });
};
add(
  "console",
  sent.console,
  Array.from({ length: consoleStats?.messagesWritten ?? 0 }, (_, i) => i),
  "lines written to stdout",
);
add(
  "file",
  sent.file,
  fileRecords.records.map((r) => r.context.seq as number),
  `${fileRecords.files.length} files, ${fileRecords.gz} gzipped`,
);
add(
  "rest",
  sent.rest,
  (collector.received.records.get("rest") ?? []).map((r) => r.context.seq as number),
  `${collector.received.refused} requests refused in the outage, ${restStats?.spooled ?? 0} spooled, ${
    restStats?.replayed ?? 0
  } replayed`,
);
add(
  "websocket",
  sent.websocket,
  (collector.received.records.get("websocket") ?? []).map((r) => r.context.seq as number),
  `${finalStats.backends.find((b) => b.name === "websocket")?.reconnects ?? 0} reconnects`,
);
add(
  "rest-encrypted",
  sent["rest-encrypted"],
  (collector.received.records.get("rest-encrypted") ?? []).map((r) => r.context.seq as number),
  `${secureStats.backends[0]?.batchesSent ?? "?"} encrypted batches`,
);

const pad = (s: string | number, n: number) => String(s).padStart(n);
const lines = [
  `${"backend".padEnd(16)}${pad("sent", 8)}${pad("received", 10)}${pad("dupes", 7)}${pad("lost", 6)}  note`,
  ...rows.map((r) =>
    `${r.backend.padEnd(16)}${pad(r.sent, 8)}${pad(r.received, 10)}${pad(r.duplicates, 7)}${pad(r.lost, 6)}  ${r.note}`
  ),
];
const lost = rows.reduce((a, r) => a + r.lost, 0);
const verdict = lost === 0 ? "nothing lost" : `${lost} records lost`;
console.log(`\n  Summary (${seq} records logged, redacted secrets never left the process):\n`);
for (const l of lines) console.log("  " + l);
console.log(`\n  ${lost === 0 ? "✔" : "✘"} ${verdict}\n`);
collector.publish("stats", [...finalStats.backends, ...secureStats.backends]);
collector.publish("summary", { text: lines.join("\n") + "\n\n" + verdict, lost });

if (once) {
  await collector.close();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  Deno.exit(lost === 0 ? 0 : 1);
} else {
  console.log(`  The page stays up at ${collector.url} — Ctrl-C to quit.`);
  Deno.addSignalListener("SIGINT", async () => {
    await collector.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    Deno.exit(lost === 0 ? 0 : 1);
  });
}
