import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";

/**
 * A logfmt reader following go-logfmt (what Grafana's `| logfmt` uses): a key
 * runs to `=`, space or end; a value is bare up to a space, or a quoted string
 * with JSON escapes.
 */
function parseLogfmt(line: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " ") i++;
    if (i >= line.length) break;
    let key = "";
    while (i < line.length && line[i] !== "=" && line[i] !== " ") {
      assert.notEqual(line[i], '"', `a quote inside a key at ${i}: ${line}`);
      key += line[i++];
    }
    let value = "";
    if (line[i] === "=") {
      i++;
      if (line[i] === '"') {
        let j = i + 1;
        while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
        assert.ok(j < line.length, `an unterminated quoted value: ${line}`);
        value = JSON.parse(line.slice(i, j + 1));
        i = j + 1;
        assert.ok(i === line.length || line[i] === " ", `garbage after a quoted value: ${line}`);
      } else {
        while (i < line.length && line[i] !== " ") {
          assert.ok(line[i] !== '"' && line[i] !== "=", `an unquoted ${line[i]} in a value: ${line}`);
          value += line[i++];
        }
      }
    }
    out.push([key, value]);
  }
  return out;
}

test("the structured format is logfmt that parses back to the same keys and values", () => {
  const logger = getLogger("logfmt app", { backends: [{ type: "memory", format: "structured" }] });
  const context = {
    obj: { msg: "hello world", n: [1, 2] },
    "user name": "bob",
    "a=b": "c=d",
    quote: 'say "hi"',
    backslash: "C:\\temp\\x",
    newline: "line1\nline2\r\tend",
    control: "bell\u0007 esc\u001b[31m sep\u2028",
    empty: "",
    unicode: "grüße 日本",
    n: 42,
    f: 1.5,
    ok: true,
    none: null,
    'k"q': 1,
  };
  logger.info('message with spaces, "quotes" and key=value', context);
  const line = memoryOf(logger).lines[0];
  assert.ok(!line.includes("\n") && !line.includes("\r") && !line.includes("\u2028"), "one physical line");
  const pairs = parseLogfmt(line);
  const got = Object.fromEntries(pairs);
  assert.deepEqual(pairs.map(([k]) => k), [
    "timestamp",
    "level",
    "logger",
    "message",
    "obj",
    "user_name",
    "a_b",
    "quote",
    "backslash",
    "newline",
    "control",
    "empty",
    "unicode",
    "n",
    "f",
    "ok",
    "none",
    "k_q",
  ]);
  assert.match(got.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  assert.equal(got.level, "info");
  assert.equal(got.logger, "logfmt app");
  assert.equal(got.message, 'message with spaces, "quotes" and key=value');
  assert.deepEqual(JSON.parse(got.obj), context.obj);
  assert.equal(got.user_name, "bob");
  assert.equal(got.a_b, "c=d");
  assert.equal(got.quote, context.quote);
  assert.equal(got.backslash, context.backslash);
  assert.equal(got.newline, context.newline);
  assert.equal(got.control, context.control);
  assert.equal(got.empty, "");
  assert.equal(got.unicode, context.unicode);
  assert.equal(got.n, "42");
  assert.equal(got.f, "1.5");
  assert.equal(got.ok, "true");
  assert.equal(got.none, "null");
  assert.equal(got.k_q, "1");
  assert.match(line, / n=42 f=1.5 ok=true none=null /, "numbers, booleans and null stay bare");
  assert.match(line, / user_name=bob /, "simple strings stay bare");
});
