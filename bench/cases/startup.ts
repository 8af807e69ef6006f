/**
 * startup: import a logger and write the first record (stdout goes to
 * /dev/null). The driver times the whole process and subtracts `bare`, the
 * same script importing nothing. Implementations: bare, ours (the TypeScript
 * sources, as JSR and Deno users get them), ours-npm (the built npm package:
 * `--pkg=DIR` is its unpacked folder, from `deno task build:npm --keep`),
 * pino, logtape, winston.
 */
import { createRequire } from "node:module";
import process from "node:process";

const impl = /^--impl=(.*)$/.exec(process.argv.find((a) => a.startsWith("--impl=")) ?? "")?.[1] ?? "bare";
const pkgDir = /^--pkg=(.*)$/.exec(process.argv.find((a) => a.startsWith("--pkg=")) ?? "")?.[1];
const context = { user_id: 1, path: "/api/items", status: 200 };
const peer = (id: string): unknown => createRequire(new URL("../peers/package.json", import.meta.url).pathname)(id);

switch (impl) {
  case "bare":
    break;
  case "ours": {
    const { getLogger } = await import("../../mod.ts");
    getLogger("bench", { backends: [{ type: "console", format: "json" }] }).info("request handled", context);
    break;
  }
  case "ours-npm": {
    if (!pkgDir) throw new Error("ours-npm needs --pkg=<unpacked package folder>");
    const { readFileSync } = await import("node:fs");
    const manifest = JSON.parse(readFileSync(`${pkgDir}/package.json`, "utf8"));
    const { getLogger } = await import(`file://${pkgDir}/${manifest.exports["."].default.replace(/^\.\//, "")}`);
    getLogger("bench", { backends: [{ type: "console", format: "json" }] }).info("request handled", context);
    break;
  }
  case "pino": {
    const pino = peer("pino") as (o?: object) => { info(o: object, m: string): void };
    pino().info(context, "request handled");
    break;
  }
  case "logtape": {
    const lt = peer("@logtape/logtape") as {
      configure(c: object): Promise<void>;
      getConsoleSink(): unknown;
      getLogger(c: string[]): { info(m: string, p: object): void };
    };
    await lt.configure({
      sinks: { console: lt.getConsoleSink() },
      loggers: [
        { category: ["bench"], sinks: ["console"], lowestLevel: "info" },
        { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
      ],
    });
    lt.getLogger(["bench"]).info("request handled", context);
    break;
  }
  case "winston": {
    const w = peer("winston") as {
      createLogger(o: object): { info(m: string, c: object): void };
      format: { json(): unknown };
      transports: { Console: new () => unknown };
    };
    w.createLogger({ format: w.format.json(), transports: [new w.transports.Console()] }).info(
      "request handled",
      context,
    );
    break;
  }
  default:
    console.error(`unknown implementation ${impl}`);
    process.exitCode = 2;
}
