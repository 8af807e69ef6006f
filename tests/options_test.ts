import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BACKEND_SCHEMAS, LOGGER_SCHEMA } from "../src/config/_schema.ts";
import { BackendFactory, ConsoleBackend, FileBackend, normalizeBackendConfig } from "../mod.ts";
import { consoleOptions } from "../src/backends/console_options.ts";
import { fileOptions } from "../src/backends/file_options.ts";
import { restOptions } from "../src/backends/rest_options.ts";
import { webSocketOptions } from "../src/backends/websocket_options.ts";
import { ROOT } from "./_helpers.ts";

/** The config types: the common ones, then each backend's own beside its key table. */
const source = [
  "src/config/config.ts",
  "src/backends/console_options.ts",
  "src/backends/file_options.ts",
  "src/backends/rest_options.ts",
  "src/backends/websocket_options.ts",
].map((path) => readFileSync(`${ROOT}/${path}`, "utf8")).join("\n");

/** The defaults the doc comments of a public config interface state, by key (`Default 100.`, ``Default `"json"`.``). */
function documentedDefaults(iface: string): Map<string, unknown> {
  const start = source.search(new RegExp(`export interface ${iface}[ <]`));
  assert.ok(start >= 0, `interface ${iface} in the config types`);
  const body = source.slice(source.indexOf("{", start) + 1, source.indexOf("\n}", start));
  const out = new Map<string, unknown>();
  const re = /\/\*\*\s*([\s\S]*?)\s*\*\/\s*\n\s*(\w+)\??:/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const d = /\bDefault (`[^`]+`|-?[\d.]+(?=[.;\s]|$))/.exec(m[1].replace(/\s*\n\s*\*\s*/g, " "));
    if (d) out.set(m[2], JSON.parse(d[1].replace(/^`|`$/g, "").replace(/\.$/, "")));
  }
  return out;
}

const TABLES: [string, string, Record<string, { default?: unknown }>][] = [
  ["console", "ConsoleBackendConfig", BACKEND_SCHEMAS.console],
  ["file", "FileBackendConfig", BACKEND_SCHEMAS.file],
  ["rest_api", "RestApiBackendConfig", BACKEND_SCHEMAS.rest_api],
  ["websocket", "WebSocketBackendConfig", BACKEND_SCHEMAS.websocket],
  ["logger", "LoggerConfig", LOGGER_SCHEMA],
  ["every backend", "BackendConfigBase", BACKEND_SCHEMAS.console],
];

test("every default a config type's doc comment states is the one its key table applies", () => {
  let checked = 0;
  for (const [type, iface, table] of TABLES) {
    for (const [key, documented] of documentedDefaults(iface)) {
      assert.ok(key in table, `${iface}.${key} is a key of the ${type} table`);
      assert.deepEqual(table[key].default, documented, `the default of ${type} "${key}"`);
      checked++;
    }
  }
  // Nearly every key with a default documents it; a parser that found none would prove nothing.
  assert.ok(checked >= 45, `checked ${checked} documented defaults`);
});

test("each backend's typed options of a config that sets nothing are its key table's defaults", () => {
  const cases: [string, (c: ReturnType<typeof normalizeBackendConfig>) => object, Record<string, unknown>][] = [
    ["console", consoleOptions, {}],
    ["file", fileOptions, {}],
    ["rest_api", restOptions, { endpoint: "http://127.0.0.1:9/" }],
    ["websocket", webSocketOptions, { endpoint: "ws://127.0.0.1:9/" }],
  ];
  for (const [type, read, given] of cases) {
    const options = read(normalizeBackendConfig({ type, ...given })) as Record<string, unknown>;
    const table = BACKEND_SCHEMAS[type];
    for (const [key, value] of Object.entries(options)) {
      assert.ok(key in table, `${type} option "${key}" is a key of its table`);
      assert.deepEqual(value, key in given ? given[key] : table[key].default, `${type} option "${key}"`);
    }
  }
});

test("a config is normalized once: the factory's normalized config is the one the backend keeps", async () => {
  const normalized = normalizeBackendConfig({ type: "console", use_colors: false });
  const made = BackendFactory.createBackend(normalized);
  const direct = new ConsoleBackend(normalized);
  assert.equal(made.config, normalized);
  assert.equal(direct.config, normalized);
  // A raw config given to a constructor is normalized there.
  const raw = { type: "file", enabled: false, max_size_mb: 2 };
  const file = new FileBackend(raw);
  assert.notEqual(file.config, raw);
  assert.equal(file.config.maxSizeMb, 2);
  assert.equal(normalizeBackendConfig(file.config), file.config);
  await Promise.all([made.shutdown(), direct.shutdown(), file.shutdown()]);
});
