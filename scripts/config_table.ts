/**
 * Prints the README's configuration tables from the config types (their doc
 * comments) and the schemas (their defaults), so the README cannot drift.
 *
 *   deno run -A scripts/config_table.ts            # print
 *   deno run -A scripts/config_table.ts --check    # exit 1 when README.md differs
 */
import { BACKEND_SCHEMAS, LOGGER_SCHEMA } from "../src/config/_schema.ts";
import { camelKey } from "../src/config/_dialect.ts";

/** Where the config types are declared: the common ones, then each backend's own. */
const SOURCES = [
  "../src/config/config.ts",
  "../src/backends/console_options.ts",
  "../src/backends/file_options.ts",
  "../src/backends/rest_options.ts",
  "../src/backends/websocket_options.ts",
];
const source = (await Promise.all(SOURCES.map((path) => Deno.readTextFile(new URL(path, import.meta.url))))).join("\n");

function fields(iface: string): { key: string; doc: string }[] {
  const start = source.search(new RegExp(`export interface ${iface}[ <]`));
  if (start < 0) throw new Error(`interface ${iface} not found`);
  const body = source.slice(source.indexOf("{", start) + 1, source.indexOf("\n}", start));
  const out: { key: string; doc: string }[] = [];
  const re = /\/\*\*\s*([\s\S]*?)\s*\*\/\s*\n\s*(\w+)\??:/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    out.push({ key: m[2], doc: m[1].replace(/\s*\n\s*\*\s*/g, " ").replace(/^\*\s*/, "").trim() });
  }
  return out;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
const show = (v: unknown) => v === undefined ? "—" : "`" + JSON.stringify(v) + "`";

function table(title: string, iface: string, schema?: Record<string, { default?: unknown }>, extra: string[] = []) {
  const rows = fields(iface);
  const seen = new Set<string>(
    iface === "BackendConfigBase" || iface === "LoggerConfig"
      ? []
      : ["level", "name", "enabled", "fingersCrossed", "sample", "rateLimit"],
  );
  const lines = [`**${title}**`, "", "| key | snake_case | default | meaning |", "|---|---|---|---|"];
  for (const { key, doc } of rows) {
    if (seen.has(key) || key === "type") continue;
    seen.add(key);
    if (camelKey(snake(key)) !== key) throw new Error(`${key} does not round-trip`);
    if (schema && iface !== "BackendConfigBase" && !(key in schema)) {
      throw new Error(`${iface}.${key} is not in the schema`);
    }
    const def = schema?.[key]?.default;
    const meaning = doc.replace(/\s*Default .*$/, "").replace(/\|/g, "\\|");
    lines.push(`| \`${key}\` | \`${snake(key)}\` | ${show(def)} | ${meaning} |`);
  }
  if (schema) {
    for (const key of Object.keys(schema)) {
      if (!seen.has(key) && key !== "type") throw new Error(`${iface} lacks a documented field for schema key ${key}`);
    }
  }
  return [...lines, ...extra, ""].join("\n");
}

const LOGGER_DEFAULTS: Record<string, { default?: unknown }> = LOGGER_SCHEMA;

export const TABLES: string = [
  table("Logger", "LoggerConfig", undefined).replace(
    /\| `(\w+)` \| `(\w+)` \| — \|/g,
    (all, k, s) => LOGGER_DEFAULTS[k] ? `| \`${k}\` | \`${s}\` | ${show(LOGGER_DEFAULTS[k].default)} |` : all,
  ),
  table("Every backend", "BackendConfigBase", { enabled: { default: true } }),
  table('Console (`type: "console"`)', "ConsoleBackendConfig", BACKEND_SCHEMAS.console),
  table('File (`type: "file"`)', "FileBackendConfig", BACKEND_SCHEMAS.file),
  table('REST API (`type: "rest_api"`)', "RestApiBackendConfig", BACKEND_SCHEMAS.rest_api),
  table('WebSocket (`type: "websocket"`)', "WebSocketBackendConfig", BACKEND_SCHEMAS.websocket),
].join("\n");

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
    // deno fmt aligns table cells: compare without padding.
    const squash = (t: string) => t.replace(/[ \t]+/g, "").replace(/-+/g, "-");
    if (!squash(readme).includes(squash(TABLES))) {
      console.error("README.md's configuration tables differ from scripts/config_table.ts; paste its output.");
      Deno.exit(1);
    }
  } else {
    console.log(TABLES);
  }
}
