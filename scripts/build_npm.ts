/**
 * Builds the npm package: ESM JavaScript with `.d.ts` types for every entry
 * point that `deno.json` exports, packed with `npm pack`. Prints the
 * tarball's path as its last line.
 *
 *   deno task build:npm [--out=DIR] [--keep]
 *
 * - JavaScript: `deno bundle --code-splitting` of one small entry per
 *   subpath, so each subpath is one file plus shared chunks (a module graph
 *   of dozens of files costs Node tens of milliseconds at start-up). The
 *   chunks sit in the package's `src/` folder, which is how the logger tells
 *   its own stack frames from the caller's.
 * - Types: `tsc --emitDeclarationOnly` (npm `typescript`, installed into the
 *   git-ignored `scripts/npm_tools/node_modules`) from the same sources, with
 *   relative `.ts` imports rewritten to `.js`.
 * - The build fails when an output imports anything but its own chunks
 *   (zero dependencies, nothing runtime-specific at the top level).
 *
 * Everything is staged in a temp dir; only the tarball is written, to
 * `dist/` (git-ignored) unless `--out` says otherwise. `--keep` leaves the
 * staged `package/` folder next to the tarball.
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const TOOLS = `${ROOT}/scripts/npm_tools`;

const flags: Record<string, string> = {};
for (const a of Deno.args) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`unknown argument ${a}`);
  flags[m[1]] = m[2] ?? "true";
}
const outDir = flags.out ? (flags.out.startsWith("/") ? flags.out : `${Deno.cwd()}/${flags.out}`) : `${ROOT}/dist`;

interface DenoJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  exports: string | Record<string, string>;
}

/** The subpaths of `deno.json` "exports", as `[subpath, source file relative to the root]`. */
export function entryPoints(exports: DenoJson["exports"]): [string, string][] {
  const map = typeof exports === "string" ? { ".": exports } : exports;
  return Object.entries(map).map(([k, v]) => [k, v.replace(/^\.\//, "")]);
}

/** The file name (without extension) an entry's JavaScript gets: "." → mod, "./file" → file. */
export function entryName(subpath: string): string {
  return subpath === "." ? "mod" : subpath.replace(/^\.\//, "").replaceAll("/", "-");
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await new Deno.Command(cmd, { args, cwd, stdin: "null", stdout: "piped", stderr: "piped" }).output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.code}):\n${out}`);
  return out;
}

function mtime(path: string): number {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

/** Installs the TypeScript compiler into the tool folder when missing or stale. */
async function ensureTsc(): Promise<string> {
  const tsc = `${TOOLS}/node_modules/typescript/bin/tsc`;
  if (mtime(`${TOOLS}/node_modules/.package-lock.json`) < mtime(`${TOOLS}/package.json`) || mtime(tsc) === 0) {
    console.error("installing typescript into scripts/npm_tools …");
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], TOOLS);
  }
  return tsc;
}

/** Every import specifier of a JavaScript or declaration file. */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[\s;}])(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["']([^"']+)["']/g)) {
    out.push(m[1]);
  }
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

async function main(): Promise<void> {
  const denoJson = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)) as DenoJson;
  const entries = entryPoints(denoJson.exports);
  const stage = Deno.makeTempDirSync({ prefix: "jinpy-npm-" });
  const pkg = `${stage}/package`;
  try {
    // JavaScript: one wrapper per subpath, bundled together with shared chunks.
    Deno.mkdirSync(`${stage}/entries/src`, { recursive: true });
    const wrappers: string[] = [];
    for (const [subpath, source] of entries) {
      const file = `${stage}/entries/src/${entryName(subpath)}.ts`;
      Deno.writeTextFileSync(file, `export * from ${JSON.stringify(`${ROOT}/${source}`)};\n`);
      wrappers.push(file);
    }
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--code-splitting",
      "--keep-names",
      "--platform=browser",
      "--format=esm",
      "--outdir",
      `${pkg}/src`,
      ...wrappers,
    ], ROOT);

    // Types: declarations of the real sources, `.ts` imports rewritten to `.js`.
    const tsconfig = {
      compilerOptions: {
        target: "es2022",
        module: "esnext",
        moduleResolution: "bundler",
        lib: ["esnext", "dom", "dom.iterable"],
        types: [],
        strict: true,
        skipLibCheck: true,
        declaration: true,
        emitDeclarationOnly: true,
        allowImportingTsExtensions: true,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: true,
        rootDir: ROOT,
        outDir: `${pkg}/types`,
      },
      files: entries.map(([, source]) => `${ROOT}/${source}`),
    };
    Deno.writeTextFileSync(`${stage}/tsconfig.json`, JSON.stringify(tsconfig, null, 2));
    await run("node", [await ensureTsc(), "-p", `${stage}/tsconfig.json`], stage);

    // The package must stand alone: outputs import only their own chunks.
    for (const dir of ["src", "types"]) {
      for (const e of walk(`${pkg}/${dir}`)) {
        for (const s of specifiers(Deno.readTextFileSync(e))) {
          if (!s.startsWith("./") && !s.startsWith("../")) {
            throw new Error(`${e.slice(pkg.length + 1)} imports "${s}"; the package has no dependencies`);
          }
        }
      }
    }

    const exportsMap: Record<string, { types: string; default: string }> = {};
    for (const [subpath, source] of entries) {
      const types = `./types/${source.replace(/\.ts$/, ".d.ts")}`;
      const js = `./src/${entryName(subpath)}.js`;
      for (const f of [types, js]) {
        if (mtime(`${pkg}/${f}`) === 0) throw new Error(`the build did not produce ${f} for "${subpath}"`);
      }
      exportsMap[subpath] = { types, default: js };
    }
    const manifest = {
      name: denoJson.name,
      version: denoJson.version,
      description: denoJson.description,
      license: denoJson.license,
      type: "module",
      exports: exportsMap,
      main: exportsMap["."]?.default,
      types: exportsMap["."]?.types,
      files: ["src/", "types/", "README.md", "LICENSE"],
      // process.getBuiltinModule (file I/O, stdout) arrived in Node 20.16.
      engines: { node: ">=20.16", bun: ">=1.1", deno: ">=2" },
      keywords: ["logger", "logging", "structured-logging", "json", "deno", "bun", "node"],
      sideEffects: true,
    };
    Deno.writeTextFileSync(`${pkg}/package.json`, JSON.stringify(manifest, null, 2) + "\n");
    Deno.copyFileSync(`${ROOT}/README.md`, `${pkg}/README.md`);
    Deno.copyFileSync(`${ROOT}/LICENSE`, `${pkg}/LICENSE`);

    Deno.mkdirSync(outDir, { recursive: true });
    const packed = JSON.parse(
      await run("npm", ["pack", "--json", "--loglevel=error", "--pack-destination", outDir], pkg),
    ) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
    const tarball = `${outDir}/${packed[0].filename.replace(/^.*\//, "")}`;
    if (flags.keep === "true") {
      try {
        Deno.removeSync(`${outDir}/package`, { recursive: true });
      } catch { /* not there */ }
      Deno.renameSync(pkg, `${outDir}/package`);
    }
    console.log(
      `${denoJson.name}@${denoJson.version}: ${entries.map(([s]) => s).join(" ")} — ${packed[0].entryCount} files, ` +
        `${(packed[0].size / 1024).toFixed(1)} KB packed, ${(packed[0].unpackedSize / 1024).toFixed(1)} KB unpacked`,
    );
    console.log(tarball);
  } finally {
    Deno.removeSync(stage, { recursive: true });
  }
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (/\.(m?js|d\.ts)$/.test(e.name)) yield p;
  }
}

if (import.meta.main) await main();
