/**
 * Runs the demo, opens its live page in headless Chromium once the scenario
 * has finished, and saves docs/demo.png.   deno run -A scripts/screenshot.ts
 */
import { openPage } from "../tests/_chromium.ts";

const demo = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "examples/demo.ts", "--keep"],
  stdout: "piped",
  stderr: "inherit",
  stdin: "null",
}).spawn();
const reader = demo.stdout.pipeThrough(new TextDecoderStream()).getReader();
let text = "";
let url = "";
while (!url) {
  const { value, done } = await reader.read();
  if (done) throw new Error("demo ended before printing its URL");
  text += value;
  url = /Live page: (\S+)/.exec(text)?.[1] ?? "";
}
(async () => {
  for (;;) if ((await reader.read()).done) break;
})();
const tab = await openPage(url, 1400, 1000);
try {
  for (let i = 0; i < 600; i++) {
    const done = await tab.evaluate<boolean>(
      `(document.getElementById("summary")?.textContent ?? "").includes("lost")`,
    );
    if (done) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 700));
  await Deno.mkdir("docs", { recursive: true });
  await tab.screenshot("docs/demo.png");
  console.log("wrote docs/demo.png");
} finally {
  await tab.close();
  demo.kill("SIGINT");
  await demo.status;
}
