/**
 * startup: import a logger and write the first record (stdout goes to
 * /dev/null). The driver times the whole process and subtracts `bare`, the
 * same script importing nothing; the script also reports the wall and CPU
 * time of the import and first log measured from inside. Implementations:
 * bare; ours / ours-core (the TypeScript sources, as JSR and Deno users get
 * them: the root, and the console-only `./core` entry when deno.json has
 * it); ours-npm / ours-npm-core (the same two from the built npm package:
 * `--pkg=DIR` is its unpacked folder, from `deno task build:npm --keep`);
 * pino, logtape, winston.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";

const impl = /^--impl=(.*)$/.exec(process.argv.find((a) => a.startsWith("--impl=")) ?? "")?.[1] ?? "bare";
const pkgDir = /^--pkg=(.*)$/.exec(process.argv.find((a) => a.startsWith("--pkg=")) ?? "")?.[1];
const context = { user_id: 1, path: "/api/items", status: 200 };
const peer = (id: string): unknown => createRequire(new URL("../peers/package.json", import.meta.url).pathname)(id);

/** The module an `ours*` implementation imports: root or console-only entry, sources or npm build. */
function oursModule(): string | undefined {
  if (!impl.startsWith("ours")) return undefined;
  const core = impl.endsWith("-core");
  if (impl.startsWith("ours-npm")) {
    if (!pkgDir) throw new Error(`${impl} needs --pkg=<unpacked package folder>`);
    const exports = JSON.parse(readFileSync(`${pkgDir}/package.json`, "utf8")).exports;
    const file = (core ? exports["./core"] ?? exports["."] : exports["."]).default as string;
    return `file://${pkgDir}/${file.replace(/^\.\//, "")}`;
  }
  const root = new URL("../../", import.meta.url);
  const map = JSON.parse(readFileSync(new URL("deno.json", root), "utf8")).exports;
  const exports: Record<string, string> = typeof map === "string" ? { ".": map } : map;
  return new URL(core ? exports["./core"] ?? exports["."] : exports["."], root).href;
}
const ours = oursModule();

// Also timed from inside: wall and CPU time of the import and first log alone (less swayed by load than the
// whole process, which includes the runtime's own start and exit).
const t0 = performance.now();
const cpu0 = process.cpuUsage();
switch (impl) {
  case "bare":
    break;
  case "ours":
  case "ours-core":
  case "ours-npm":
  case "ours-npm-core": {
    const { getLogger } = await import(ours!);
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
const cpu = process.cpuUsage(cpu0);
process.stderr.write(
  "@@bench " +
    JSON.stringify({
      impl,
      n: 1,
      ms: performance.now() - t0,
      rate: 0,
      extra: { inProcessMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 },
    }) + "\n",
);
