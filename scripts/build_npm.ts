/**
 * Builds the npm package: ESM JavaScript with `.d.ts` types for every entry
 * point that `deno.json` exports, packed with `npm pack`. Prints the
 * tarball's path as its last line.
 *
 *   deno task build:npm [--out=DIR] [--keep]
 *
 * - JavaScript: `deno bundle --code-splitting` of the entry modules, so each
 *   subpath is one file (`src/<name>.js`) plus shared chunks (a module graph
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

/**
 * The module specifiers of a bundled JavaScript or declaration file: its
 * top-level import and export statements (column 0, as esbuild and tsc
 * write them) and literal dynamic imports.
 */
export function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of code.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/gm)) out.push(m[1]);
  for (const m of code.matchAll(/^import\s*["']([^"']+)["']/gm)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

async function main(): Promise<void> {
  const denoJson = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)) as DenoJson;
  const entries = entryPoints(denoJson.exports);
  const stage = Deno.makeTempDirSync({ prefix: "jinpy-npm-" });
  const pkg = `${stage}/package`;
  try {
    // JavaScript: the entry modules bundled together, shared code in chunks. The entries themselves are
    // the bundle's entry points (so `import.meta.main` survives for the command-line ones), then moved to
    // `src/<name>.js` with their chunk imports rewritten.
    const js = `${stage}/js`;
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--code-splitting",
      "--keep-names",
      "--platform=browser",
      "--format=esm",
      "--outdir",
      js,
      ...entries.map(([, source]) => `${ROOT}/${source}`),
    ], ROOT);
    placeBundle(js, `${pkg}/src`, entries);

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

/** The directory paths share (esbuild's default `outbase`), relative to the root. */
export function commonDir(files: string[]): string {
  const dirs = files.map((f) => f.split("/").slice(0, -1));
  const first = dirs[0] ?? [];
  let n = 0;
  while (n < first.length && dirs.every((d) => d[n] === first[n])) n++;
  return first.slice(0, n).join("/");
}

/**
 * Moves the bundle from `from` into `to`: chunks keep their names, each entry
 * becomes `<entryName>.js`; relative imports are rewritten to the new places.
 */
function placeBundle(from: string, to: string, entries: [string, string][]): void {
  const base = commonDir(entries.map(([, source]) => source));
  const strip = (p: string) => base === "" ? p : p.slice(base.length + 1);
  const moved = new Map<string, string>(); // old path → new path, both absolute
  for (const [subpath, source] of entries) {
    moved.set(`${from}/${strip(source).replace(/\.ts$/, ".js")}`, `${to}/${entryName(subpath)}.js`);
  }
  for (const file of walk(from)) if (!moved.has(file)) moved.set(file, `${to}/${file.slice(from.length + 1)}`);
  const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/"));
  for (const [oldPath, newPath] of moved) {
    const code = Deno.readTextFileSync(oldPath).replace(
      /(\bfrom\s*|^import\s*|\bimport\(\s*)(["'])(\.\.?\/[^"']+)\2/gm,
      (all, lead: string, quote: string, spec: string) => {
        const target = moved.get(new URL(spec, `file://${oldPath}`).pathname);
        if (target === undefined) return all;
        let rel = relativePath(dirOf(newPath), target);
        if (!rel.startsWith(".")) rel = `./${rel}`;
        return `${lead}${quote}${rel}${quote}`;
      },
    );
    Deno.mkdirSync(dirOf(newPath), { recursive: true });
    Deno.writeTextFileSync(newPath, code);
  }
}

function relativePath(fromDir: string, to: string): string {
  const a = fromDir.split("/").filter(Boolean);
  const b = to.split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (/\.(m?js|d\.ts)$/.test(e.name)) yield p;
  }
}

if (import.meta.main) await main();
