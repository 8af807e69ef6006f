import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT, runScript, runtime, tempDir } from "./_helpers.ts";

/** Modules a console-only user must never load. */
const HEAVY = [
  "src/backends/rest_api.ts",
  "src/backends/websocket.ts",
  "src/backends/file.ts",
  "src/crypto.ts",
  "src/gzip.ts",
  "src/payload.ts",
  "src/runtime/http.ts",
  "src/runtime/websocket.ts",
];
const HEAVY_WORDS = /rest|websocket|crypto|gzip|payload|delivery|\/file\//;

/** The static import graph from a module of ours (relative imports, as written). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    const rel = relative(ROOT, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    const src = readFileSync(file, "utf8");
    // Static `import … from "./x.ts"` and `export … from "./x.ts"` (not `import()`).
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)) {
      walk(join(dirname(file), m[1]));
    }
    for (const m of src.matchAll(/^\s*import\s+"(\.{1,2}\/[^"]+)"/gm)) walk(join(dirname(file), m[1]));
  };
  walk(join(ROOT, entry));
  return seen;
}

test("deno.json exports the root and the backend subpaths", () => {
  const exports = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports;
  for (
    const [key, file] of [[".", "./mod.ts"], ["./core", null], ["./file", null], ["./rest", null], [
      "./websocket",
      null,
    ]]
  ) {
    assert.ok(typeof exports[key as string] === "string", `${key} is exported`);
    if (file !== null) assert.equal(exports[key as string], file);
  }
});

test("the console-only entry imports no file, REST, WebSocket, crypto or gzip module (static graph)", () => {
  const graph = staticGraph("src/exports/core.ts");
  for (const heavy of HEAVY) assert.ok(!graph.has(heavy), `${heavy} is in the graph of ./core`);
  assert.ok(graph.has("src/backends/console.ts"));
  // The root still loads everything.
  const all = staticGraph("mod.ts");
  for (const heavy of ["src/backends/rest_api.ts", "src/backends/websocket.ts", "src/backends/file.ts"]) {
    assert.ok(all.has(heavy), `${heavy} is in the graph of mod.ts`);
  }
});

test("deno info: the module graph of the console-only entry has no heavy module", {
  skip: runtime !== "deno" ? "needs the deno executable of a Deno test run" : false,
}, async () => {
  const D = (globalThis as unknown as {
    Deno: {
      execPath(): string;
      Command: new (
        c: string,
        o: Record<string, unknown>,
      ) => { output(): Promise<{ code: number; stdout: Uint8Array }> };
    };
  }).Deno;
  const out = await new D.Command(D.execPath(), {
    args: ["info", "--json", join(ROOT, "src/exports/core.ts")],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(out.code, 0);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: { specifier: string }[] };
  const files = info.modules.map((m) => m.specifier).filter((s) => s.startsWith("file:"))
    .map((s) => relative(ROOT, new URL(s).pathname));
  assert.ok(files.includes("src/backends/console.ts"));
  // A backend's options module is its key table, which config validation needs: light, and whatever it
  // imported would show up here on its own.
  const heavy = files.filter((f) =>
    HEAVY_WORDS.test(f) && !f.startsWith("src/exports/core") && !/^src\/backends\/\w+_options\.ts$/.test(f)
  );
  assert.deepEqual(heavy, [], "modules loaded by ./core");
  assert.ok(files.length < staticGraph("mod.ts").size, "fewer modules than the root");
});

test("the factory learns a backend type when its module is imported; the root registers all four", async () => {
  const dir = tempDir("jinpy-exports-");
  try {
    const core = join(ROOT, "src/exports/core.ts");
    const file = join(ROOT, "src/exports/file.ts");
    const rest = join(ROOT, "src/exports/rest.ts");
    const ws = join(ROOT, "src/exports/websocket.ts");
    const r = await runScript(
      dir.path,
      `import { BackendFactory, getLogger } from ${JSON.stringify(core)};
const seen = [BackendFactory.getRegisteredTypes().join(",")];
try { getLogger("x", { backends: [{ type: "file" }] }); } catch (e) { seen.push(e.message); }
await import(${JSON.stringify(file)});
seen.push(BackendFactory.getRegisteredTypes().join(","));
await import(${JSON.stringify(rest)});
await import(${JSON.stringify(ws)});
seen.push(BackendFactory.getRegisteredTypes().join(","));
const root = await import(${JSON.stringify(join(ROOT, "mod.ts"))});
seen.push(String(root.BackendFactory === BackendFactory));
console.log(JSON.stringify(seen));`,
    );
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    assert.equal(seen[0], "console");
    assert.match(seen[1], /"file" backend is not loaded; add an import of @jinpy\/logger\/file/);
    assert.equal(seen[2], "console,file");
    assert.equal(seen[3], "console,file,rest_api,websocket");
    assert.equal(seen[4], "true", "one factory for every entry");
  } finally {
    dir.cleanup();
  }
});
