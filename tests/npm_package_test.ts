/**
 * The npm package as a user gets it: `scripts/build_npm.ts` builds and packs
 * it, the tarball is installed into a fresh project, and the seed's examples
 * (translated to plain `.mjs` scripts in `tests/fixtures/npm/`, importing
 * `@jinpy/logger` by name) run on Node 20 (the machine's `node`), Node 24
 * and Bun. Its `.d.ts` files type-check a small consumer with `tsc`. The
 * build needs Deno, so this file runs in the Deno pass.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runCommand, type RunResult, runtime, tempDir } from "./_helpers.ts";

const skip = runtime !== "deno" ? "the build runs on Deno; this file runs in the Deno pass" : undefined;
const FIXTURES = join(ROOT, "tests/fixtures/npm");

/** deno.json "exports" as a map. */
function denoExports(): Record<string, string> {
  const e = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as string | Record<string, string>;
  return typeof e === "string" ? { ".": e } : e;
}

interface Target {
  name: string;
  exec?: string;
  why?: string;
}

async function resolveExec(name: string, cmd: string[]): Promise<Target> {
  const r = await runCommand([...cmd, "-e", "console.log(process.execPath + ' ' + process.version)"], {
    timeoutMs: 120_000,
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  const [exec, version] = line.split(" ");
  if (r.code !== 0 || !exec) return { name, why: `${cmd.join(" ")} failed: ${r.stderr.slice(-300)}` };
  return { name: `${name} (${version})`, exec };
}

describe("npm package", { skip }, () => {
  const dir = tempDir("jinpy-npm-test-");
  const project = join(dir.path, "project");
  let tarball = "";
  let targets: Target[] = [];
  after(() => dir.cleanup());

  before(async () => {
    const deno = (globalThis as unknown as { process: { execPath: string } }).process.execPath;
    const build = await runCommand([deno, "run", "-A", `${ROOT}/scripts/build_npm.ts`, `--out=${dir.path}`], {
      cwd: ROOT,
      timeoutMs: 240_000,
    });
    assert.equal(build.code, 0, `build failed: ${build.stdout}\n${build.stderr}`);
    tarball = build.stdout.trim().split("\n").pop() ?? "";
    assert.ok(tarball.endsWith(".tgz"), `last line is not a tarball: ${build.stdout}`);
    (await import("node:fs")).mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
    );
    const install = await runCommand(
      ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", tarball],
      { cwd: project, timeoutMs: 120_000 },
    );
    assert.equal(install.code, 0, `npm install failed: ${install.stderr}`);
    for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(project, f));
    targets = await Promise.all([
      resolveExec("node", ["node"]),
      resolveExec("node@24", ["npx", "-y", "node@24"]),
      resolveExec("bun", ["npx", "-y", "bun@1"]),
    ]);
  });

  test("the tarball holds JS and types for every deno.json export, README, LICENSE and engines", () => {
    const manifest = JSON.parse(readFileSync(join(project, "node_modules/@jinpy/logger/package.json"), "utf8"));
    const denoJson = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
    assert.equal(manifest.name, "@jinpy/logger");
    assert.equal(manifest.version, denoJson.version);
    assert.equal(manifest.type, "module");
    assert.ok(manifest.engines?.node, "engines.node");
    const subpaths = Object.keys(denoExports());
    assert.deepEqual(Object.keys(manifest.exports).sort(), subpaths.sort());
    for (const sub of subpaths) {
      for (const file of [manifest.exports[sub].types, manifest.exports[sub].default]) {
        readFileSync(join(project, "node_modules/@jinpy/logger", file));
      }
    }
    for (const f of ["README.md", "LICENSE"]) readFileSync(join(project, "node_modules/@jinpy/logger", f));
    assert.equal(manifest.dependencies, undefined, "no dependencies");
  });

  test("the .d.ts files type-check a consumer (tsc, module nodenext, strict)", async () => {
    writeFileSync(
      join(project, "typed.ts"),
      `import { BaseBackend, getLogger, type LogEntry, LogLevel, type LoggerConfig } from "@jinpy/logger";
const config: LoggerConfig = { level: "INFO", backends: [{ type: "console", format: "json" }] };
const logger = getLogger("typed", config);
logger.info("typed", { n: 1 });
const level: number = LogLevel.DEBUG;
export class Typed extends BaseBackend {
  override handle(entry: LogEntry): void {
    void entry.message;
  }
}
// @ts-expect-error: the first argument is a name
getLogger(42);
await logger.shutdown();
export { level };
`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          noImplicitOverride: true,
          // `[Symbol.asyncDispose]` needs esnext.disposable (or @types/node, which declares it).
          lib: ["es2023", "esnext.disposable", "dom"],
          types: [],
        },
        files: ["typed.ts"],
      }),
    );
    const tsc = join(ROOT, "scripts/npm_tools/node_modules/typescript/bin/tsc");
    const r = await runCommand(["node", tsc, "-p", project], { cwd: project, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `tsc: ${r.stdout}${r.stderr}`);
  });

  const examples: [string, boolean, (r: RunResult) => void][] = [
    ["console.mjs", false, (r) => {
      assert.match(r.stdout, /This will be colored and formatted nicely/);
      assert.ok(r.stdout.includes("\x1b["), "colored");
      assert.match(r.stdout, /console\.mjs:\d+/);
      assert.match(r.stdout, /password=\[REDACTED\]/);
    }],
    ["custom_backend.mjs", false, (r) => {
      assert.match(
        r.stdout,
        /custom destination \(custom_param=value\): \{.*"message":"Hello from the custom backend"/,
      );
      assert.doesNotMatch(r.stdout, /below INFO/);
      assert.match(r.stdout, /custom backend shut down/);
    }],
    ["multiple_backends.mjs", true, (r) => {
      assert.match(r.stdout, /Debug information/);
      assert.match(r.stdout, /file: 2 records \(info, error\)/);
      assert.match(r.stdout, /rest: 1 records \(error\)/);
    }],
    ["async_operations.mjs", true, (r) => assert.match(r.stdout, /file has 2 records/)],
    ["performance_tuning.mjs", true, (r) => assert.match(r.stdout, /100000 lines on disk/)],
    ["error_handling.mjs", true, (r) => {
      const orders = Array.from({ length: 30 }, (_, i) => i).join(",");
      assert.match(
        r.stdout,
        new RegExp(`delivered 30 of 30 after [1-9]\\d* refused requests .*; orders ${orders}$`, "m"),
      );
    }],
    ["security.mjs", false, (r) => {
      assert.match(r.stdout, /collector decrypted: card charged \{"order":42,"card_token":"\[REDACTED\]"\}/);
    }],
    ["lifecycle.mjs", true, (r) => {
      assert.match(r.stdout, /created ConsoleBackend at level 20/);
      assert.match(r.stdout, /"message":"Backend health".*"healthy":true/);
    }],
    ["subpaths.mjs", false, (r) => {
      const subpaths = Object.keys(denoExports());
      assert.match(r.stdout, new RegExp(`^loaded ${subpaths.length}: `, "m"));
      assert.match(r.stdout, /^one factory: true$/m);
      if (subpaths.includes("./core") && subpaths.includes("./file")) {
        assert.doesNotMatch(r.stdout, /^core registers: .*\bfile\b/m);
        assert.match(r.stdout, /^after \.\/file: .*\bfile\b/m);
      }
    }],
    ["file_rotation.mjs", true, (r) => {
      assert.match(r.stdout, /^5000 records written, [1-9]\d* rotations$/m);
      assert.match(r.stdout, /\([1-9]\d* gzipped\)/);
      assert.match(r.stdout, /newest #4999, consecutive true/);
    }],
  ];

  for (const which of ["node", "node@24", "bun"]) {
    test(`the seed's examples run from the installed package on ${which}`, async (t) => {
      const target = targets.find((x) => x.name === which || x.name.startsWith(which + " "));
      if (!target?.exec) return t.skip(target?.why ?? `${which} not found`);
      for (const [file, withDir, check] of examples) {
        const out = tempDir("jinpy-npm-example-");
        try {
          const r = await runCommand([target.exec, join(project, file), ...(withDir ? [out.path] : [])], {
            cwd: project,
            env: { NO_COLOR: "1" },
            timeoutMs: 60_000,
          });
          assert.equal(r.code, 0, `${file} on ${target.name} exited ${r.code}: ${r.stderr}`);
          try {
            check(r);
          } catch (e) {
            throw new Error(`${file} on ${target.name}: ${(e as Error).message}\n${r.stdout}\n${r.stderr}`);
          }
        } finally {
          out.cleanup();
        }
      }
      if (denoExports()["./pretty"] !== undefined) {
        // The pretty printer runs as a program straight from the installed package.
        const manifest = JSON.parse(readFileSync(join(project, "node_modules/@jinpy/logger/package.json"), "utf8"));
        const cli = join(project, "node_modules/@jinpy/logger", manifest.exports["./pretty"].default);
        const log = join(dir.path, "pretty-input.log");
        writeFileSync(
          log,
          '{"timestamp":"2026-01-02T03:04:05Z","level":"warning","message":"slow query","logger_name":"app.db"}\n' +
            "not a record\n",
        );
        const r = await runCommand([target.exec, cli, "--no-color", log], { cwd: project, timeoutMs: 60_000 });
        assert.equal(r.code, 0, `pretty on ${target.name} exited ${r.code}: ${r.stderr}`);
        assert.match(r.stdout, /slow query/, `pretty on ${target.name}: ${r.stdout}`);
        assert.match(r.stdout, /^not a record$/m);
        assert.doesNotMatch(r.stdout, /"level":"warning"/);
      }
    });
  }
});
