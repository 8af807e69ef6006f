/**
 * The browser side: the collector's live page shows records in headless
 * Chromium, and the package bundled for browsers sends records to the
 * collector with the REST backend. Deno drives Chromium, so this file runs
 * on Deno; the other runtimes skip it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT, runtime, tempDir, waitFor } from "./_helpers.ts";
import type { Collector } from "../examples/collector.ts";

const onDeno = runtime === "deno";
const g = globalThis as unknown as { Deno?: { statSync(p: string): { isFile: boolean } } };
const hasChromium = onDeno && ["/usr/bin/chromium", "/usr/bin/chromium-browser"].some((p) => {
  try {
    return g.Deno!.statSync(p).isFile;
  } catch {
    return false;
  }
});
const skip = !onDeno
  ? "Chromium is driven from Deno; runs in the Deno pass"
  : !hasChromium
  ? "chromium is not installed (scripts/setup.sh installs it)"
  : undefined;

let collector: Collector;
let chromium: typeof import("./_chromium.ts");
const dir = tempDir("jinpy-browser-");

before(async () => {
  if (skip) return;
  const { startCollector } = await import("../examples/collector.ts");
  chromium = await import("./_chromium.ts");
  collector = await startCollector();
});
after(async () => {
  await collector?.close();
  dir.cleanup();
});

test("the live page shows records logged through the REST backend", { skip }, async () => {
  const { getLogger } = await import("../mod.ts");
  const tab = await chromium.openPage(collector.url);
  try {
    assert.ok(
      await waitFor(() => tab.evaluate<boolean>(`document.getElementById("status")?.textContent === "live"`), 15_000),
    );
    const logger = getLogger("page-test", {
      backends: [{ type: "rest_api", endpoint: collector.restUrl("page"), batchSize: 10, batchTimeout: 0.05 }],
    });
    for (let i = 0; i < 25; i++) {
      (i % 5 === 0 ? logger.error : logger.info).call(logger, `page record ${i}`, { seq: i });
    }
    await logger.shutdown();
    const shown = await waitFor(
      () => tab.evaluate<boolean>(`document.querySelectorAll("#records tbody tr").length >= 25`),
      15_000,
      50,
    );
    assert.ok(shown, "25 rows appear");
    const text = await tab.evaluate<string>(`document.getElementById("records").innerText`);
    assert.match(text, /page record 24/);
    assert.match(text, /page-test/);
    const errorBadges = await tab.evaluate<number>(`document.querySelectorAll("#records .lvl.error").length`);
    assert.equal(errorBadges, 5);
    const perSource = await tab.evaluate<string>(`document.getElementById("sources").innerText`);
    assert.match(perSource, /page\s+25/);
  } finally {
    await tab.close();
  }
});

test("the package bundled for browsers logs to the collector from Chromium", { skip }, async () => {
  const bundle = `${dir.path}/logger.js`;
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "-o", bundle, `${ROOT}/mod.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
  const endpoint = collector.restUrl("browser");
  const html = `<!doctype html><meta charset="utf-8"><script type="module">
import { getLogger } from "./logger.js";
const logger = getLogger("in-browser", { backends: [
  { type: "console", format: "json" },
  { type: "rest_api", endpoint: ${JSON.stringify(endpoint)}, batchSize: 20, batchTimeout: 0.05 },
] });
for (let i = 0; i < 40; i++) logger.info("from the browser", { seq: i, ua: navigator.userAgent.slice(0, 20) });
await logger.flush();
window.loggerDone = JSON.stringify(logger.getStats());
</script>`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/logger.js") {
      return new Response(await Deno.readFile(bundle), { headers: { "content-type": "text/javascript" } });
    }
    return new Response(html, { headers: { "content-type": "text/html" } });
  });
  const tab = await chromium.openPage(`http://127.0.0.1:${server.addr.port}/`);
  try {
    const done = await waitFor(() => tab.evaluate<boolean>(`typeof window.loggerDone === "string"`), 20_000, 50);
    assert.ok(done, `page finished logging; console: ${tab.console.join(" | ")}`);
    const records = collector.received.records.get("browser") ?? [];
    assert.deepEqual(records.map((r) => r.context.seq), Array.from({ length: 40 }, (_, i) => i));
    assert.equal(records[0].logger_name, "in-browser");
    assert.ok(
      tab.console.some((l) => l.includes('"message":"from the browser"')),
      "console backend wrote to the browser console",
    );
  } finally {
    await tab.close();
    await server.shutdown();
  }
});
