/**
 * bundle: what an application ships when it bundles a logger —
 * `deno bundle --minify` of a tiny app, and the gzip size of that.
 * Implementations:
 *   ours-console  `getLogger` + one console record, from the smallest entry in
 *                 deno.json "exports" that offers `getLogger` (`./core` or
 *                 `./console` when there is one, else the root)
 *   ours-full     every subpath of deno.json "exports", everything re-exported
 *   logtape-core  `configure` + `getConsoleSink` + `getLogger` from @logtape/logtape
 * Runs on Deno only (it calls `deno bundle`); the sizes do not depend on the
 * runtime that later runs the bundle.
 */
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { args, exit, report, runtime, skip, tempDir } from "./_common.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const impl = args().impl ?? "ours-console";

/** deno.json "exports" as a map. */
export function exportsMap(): Record<string, string> {
  const e = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as string | Record<string, string>;
  return typeof e === "string" ? { ".": e } : e;
}

/** The subpath a console-only user imports `getLogger` from. */
export function consoleEntry(map: Record<string, string>): string {
  for (const key of ["./core", "./console", "./lite"]) if (map[key] !== undefined) return key;
  return ".";
}

const PEERS = join(ROOT, "bench/peers");

function source(): { code: string; entry: string; peer?: boolean } | undefined {
  const map = exportsMap();
  const abs = (sub: string) => JSON.stringify(join(ROOT, map[sub]));
  switch (impl) {
    case "ours-console": {
      const sub = consoleEntry(map);
      return {
        entry: sub,
        code: `import { getLogger } from ${abs(sub)};\n` +
          `getLogger("app", { backends: [{ type: "console", format: "json" }] }).info("hello", { n: 1 });\n`,
      };
    }
    case "ours-full":
      return {
        entry: Object.keys(map).join(" "),
        code: Object.keys(map).map((sub, i) => `export * as m${i} from ${abs(sub)};\n`).join(""),
      };
    case "logtape-core": {
      if (!existsSync(join(PEERS, "node_modules/@logtape/logtape/package.json"))) {
        skip(impl, "peer @logtape/logtape not installed");
        return undefined;
      }
      return {
        entry: "@logtape/logtape",
        peer: true,
        code: `import { configure, getConsoleSink, getLogger } from "@logtape/logtape";\n` +
          `await configure({ sinks: { console: getConsoleSink() }, loggers: [{ category: ["app"], sinks: ["console"], lowestLevel: "info" }] });\n` +
          `getLogger(["app"]).info("hello", { n: 1 });\n`,
      };
    }
  }
  skip(impl, `unknown implementation ${impl}`);
  return undefined;
}

if (runtime !== "deno") {
  skip(impl, "the bundle case runs on Deno");
  exit(0);
}
const src = source();
if (src) {
  // A peer's entry sits beside its node_modules (resolved there, with its package "imports").
  const dir = src.peer
    ? (() => {
      const path = mkdtempSync(join(PEERS, "node_modules", ".bench-bundle-"));
      return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
    })()
    : tempDir();
  try {
    const entry = join(dir.path, "app.mjs");
    const out = join(dir.path, "app.min.js");
    writeFileSync(entry, src.code);
    const D = (globalThis as unknown as {
      Deno: {
        execPath(): string;
        Command: new (c: string, o: Record<string, unknown>) => {
          output(): Promise<{ code: number; stderr: Uint8Array }>;
        };
      };
    }).Deno;
    const t0 = performance.now();
    const r = await new D.Command(D.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--minify",
        "--platform=browser",
        ...(src.peer ? ["--node-modules-dir=manual"] : ["--no-config"]),
        "-o",
        out,
        entry,
      ],
      cwd: src.peer ? PEERS : dir.path,
      stdout: "null",
      stderr: "piped",
    }).output();
    const ms = performance.now() - t0;
    if (r.code !== 0) {
      skip(impl, `deno bundle failed: ${new TextDecoder().decode(r.stderr).slice(-300)}`);
    } else {
      const bytes = readFileSync(out);
      report({
        impl,
        n: 1,
        ms,
        rate: 0,
        extra: { minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, entry: src.entry },
      });
    }
  } finally {
    dir.cleanup();
  }
}
exit(0);
