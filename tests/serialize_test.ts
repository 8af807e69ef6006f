import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";
import { WIRE_KEYS } from "./_helpers.ts";

function logOne(context: Record<string, unknown>, config: Record<string, unknown> = {}, message = "m") {
  const logger = getLogger("ser", { backends: [{ type: "memory" }], ...config });
  logger.info(message, context);
  const mem = memoryOf(logger);
  assert.equal(mem.lines.length, 1);
  assert.ok(!mem.lines[0].includes("\n"), "one record is one line");
  return mem.records()[0] as { message: string; context: Record<string, unknown> };
}

test("LogEntry.toJson has exactly the wire keys of the Python edition, in order", () => {
  const r = logOne({ user: "alice" });
  assert.deepEqual(Object.keys(r), WIRE_KEYS);
  assert.match((r as unknown as { timestamp: string }).timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
});

test("circular references become [Circular]", () => {
  const a: Record<string, unknown> = { name: "a" };
  a.self = a;
  a.list = [a, { back: a }];
  const r = logOne({ a });
  const ctx = r.context.a as Record<string, unknown>;
  assert.equal(ctx.self, "[Circular]");
  assert.deepEqual(ctx.list, ["[Circular]", { back: "[Circular]" }]);
});

test("shared (non-circular) references are kept, not marked circular", () => {
  const shared = { x: 1 };
  const r = logOne({ p: shared, q: shared, arr: [1n, shared] });
  assert.deepEqual(r.context.p, { x: 1 });
  assert.deepEqual(r.context.q, { x: 1 });
  assert.deepEqual(r.context.arr, ["1", { x: 1 }]);
});

test("BigInt becomes its decimal string", () => {
  const r = logOne({ big: 10n, nested: { huge: 2n ** 70n } });
  assert.equal(r.context.big, "10");
  assert.deepEqual(r.context.nested, { huge: "1180591620717411303424" });
});

test("a throwing getter becomes a marker naming the key", () => {
  const obj = {
    ok: 1,
    get broken(): number {
      throw new Error("boom");
    },
  };
  const r = logOne({ obj });
  const o = r.context.obj as Record<string, unknown>;
  assert.equal(o.ok, 1);
  assert.match(String(o.broken), /getter "broken" threw Error: boom/);
});

test("a Proxy whose traps throw is serialized to a marker, not thrown", () => {
  const hostile = new Proxy({}, {
    ownKeys() {
      throw new Error("no keys");
    },
    get() {
      throw new Error("no get");
    },
  });
  const r = logOne({ hostile, fine: "yes" });
  assert.equal(r.context.fine, "yes");
  assert.match(String(r.context.hostile), /Unserializable|Thrown/);
});

test("an Error keeps name, message, stack and the whole cause chain", () => {
  const root = new TypeError("root cause");
  const mid = new Error("middle", { cause: root });
  const top = new RangeError("top", { cause: mid });
  const r = logOne({ err: top });
  const e = r.context.err as Record<string, unknown>;
  assert.equal(e.name, "RangeError");
  assert.equal(e.message, "top");
  assert.match(String(e.stack), /top/);
  const c1 = e.cause as Record<string, unknown>;
  assert.equal(c1.message, "middle");
  const c2 = c1.cause as Record<string, unknown>;
  assert.equal(c2.name, "TypeError");
  assert.equal(c2.message, "root cause");
});

test("Date, Map, Set, typed arrays, URL credentials, symbols and functions serialize sensibly", () => {
  const r = logOne({
    when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
    map: new Map<unknown, unknown>([["a", 1], [2, "b"]]),
    set: new Set([1, 2]),
    bytes: new Uint8Array([1, 2, 3]),
    url: new URL("https://user:pw@example.com/x"),
    sym: Symbol("s"),
    fn: function named() {},
    nan: NaN,
    undef: undefined,
  });
  assert.equal(r.context.when, "2026-01-02T03:04:05.678Z");
  assert.deepEqual(r.context.map, { a: 1, "2": "b" });
  assert.deepEqual(r.context.set, [1, 2]);
  assert.deepEqual(r.context.bytes, [1, 2, 3]);
  assert.equal(r.context.url, "https://user:[REDACTED]@example.com/x");
  assert.equal(r.context.sym, "Symbol(s)");
  assert.equal(r.context.fn, "[Function named]");
  assert.equal(r.context.nan, "NaN");
  assert.ok(!("undef" in r.context));
});

test("a 10 MB message is accepted and truncated with a marker at maxMessageLength", () => {
  const big = "x".repeat(10 * 1024 * 1024);
  const r = logOne({}, {}, big);
  assert.ok(r.message.length < 1_100_000);
  assert.match(r.message, /…\[truncated \d+ chars\]$/);
  const r2 = logOne({}, { maxMessageLength: 100 }, big);
  assert.equal(r2.message, "x".repeat(100) + `…[truncated ${big.length - 100} chars]`);
});

test("a 10 MB context value is cut to maxContextSize with an explicit marker", () => {
  const r = logOne({ blob: "y".repeat(10 * 1024 * 1024), after: 1 }, { maxContextSize: 1000 });
  const json = JSON.stringify(r.context);
  assert.ok(json.length < 1300, `context is ${json.length} chars`);
  assert.ok(Object.keys(r.context).some((k) => k === "[truncated]") || /truncated/.test(json));
});

test("a field over maxContextSize is cut with a marker, not dropped whole; later keys are counted", () => {
  const r = logOne({ small: "kept", blob: "y".repeat(5000), after: 1 }, { maxContextSize: 500 });
  const json = JSON.stringify(r.context);
  assert.ok(json.length <= 500 + 120, `context is ${json.length} chars`);
  assert.equal(r.context.small, "kept");
  const blob = r.context.blob as string;
  assert.match(blob, /^y{300,}…\[truncated \d+ chars\]$/);
  assert.equal(blob.length + Number(/truncated (\d+) chars/.exec(blob)![1]) - /…\[.*$/.exec(blob)![0].length, 5000);
  assert.ok(!("after" in r.context));
  assert.match(
    r.context["[truncated]"] as string,
    /^"blob" cut, 1 of 3 keys omitted; context was \d+ chars, limit 500$/,
  );
  // An object value is cut as its JSON text, escapes included.
  const o = logOne({ obj: { text: 'q"'.repeat(2000) } }, { maxContextSize: 300 });
  assert.match(o.context.obj as string, /^\{"text":"(q\\")+.*…\[truncated \d+ chars\]$/);
  assert.ok(JSON.stringify(o.context).length <= 300 + 120);
});

test("deep nesting is cut at the depth limit with a marker", () => {
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 50; i++) deep = { d: deep };
  const r = logOne({ deep });
  assert.match(JSON.stringify(r.context), /\[Object\]/);
});

test("keys containing a sensitive word are redacted case-insensitively, nested and in arrays", () => {
  const r = logOne({
    user: "alice",
    Password: "p1",
    db: { connection: { AUTH_token: "t", host: "h" } },
    list: [{ apiKey: "k" }, { secretValue: "s", fine: 1 }],
  });
  assert.equal(r.context.user, "alice");
  assert.equal(r.context.Password, "[REDACTED]");
  assert.deepEqual(r.context.db, { connection: { AUTH_token: "[REDACTED]", host: "h" } });
  assert.deepEqual(r.context.list, [{ apiKey: "[REDACTED]" }, { secretValue: "[REDACTED]", fine: 1 }]);
});

test("sensitiveFields adds words to the built-in ones; enableSanitization: false turns redaction off", () => {
  const r = logOne({ ssn: "123", password: "p", creditCardNumber: "4111", card: "visa" }, {
    sensitiveFields: ["ssn", "credit_card"],
  });
  assert.equal(r.context.ssn, "[REDACTED]");
  assert.equal(r.context.password, "[REDACTED]");
  assert.equal(r.context.creditCardNumber, "[REDACTED]");
  assert.equal(r.context.card, "visa");
  const off = logOne({ password: "shown" }, { enableSanitization: false });
  assert.equal(off.context.password, "shown");
});

test("keys are matched by whole words: secrets hidden, harmless words kept", () => {
  const secret = [
    "apiKey",
    "api_key",
    "x-api-key",
    "Authorization",
    "accessToken",
    "client_secret",
    "passwd",
    "cookie",
    "set-cookie",
    "Set-Cookie",
    "session_id",
    "sessionId",
    "refresh.token",
    "db password",
    "oauth2Token",
    "APIKey",
  ];
  const harmless = ["author", "keyboard", "monkey", "tokenizer", "authority", "passenger", "secretary", "cookies_ok"];
  const ctx: Record<string, unknown> = {};
  for (const k of [...secret, ...harmless]) ctx[k] = "v";
  // The same through the fast path (plain data) and the safe walk (a Map).
  for (const context of [ctx, { m: new Map(Object.entries(ctx)) }]) {
    const r = logOne(context);
    const got = (r.context.m ?? r.context) as Record<string, unknown>;
    for (const k of secret) assert.equal(got[k], "[REDACTED]", k);
    for (const k of harmless) assert.equal(got[k], "v", k);
  }
});

test("URLs lose credentials and sensitive query values, as objects, as strings and in messages", () => {
  const r = logOne(
    {
      obj: new URL("https://bob:hunter2@db.example.com:5432/x?page=2&api_key=abc&Token=t#frag"),
      str: "postgres://app:s3cret@10.0.0.1/db",
      text: "see https://ghp_abc123@github.com/o/r.git?x=1 now",
      plain: "https://example.com/a?q=search&sort=asc",
      nested: { list: ["https://h/?access_token=zzz&n=1"] },
    },
    {},
    "connect redis://:pw@cache:6379/0 and https://x.example/?password=p&id=7",
  );
  assert.equal(
    r.context.obj,
    "https://bob:[REDACTED]@db.example.com:5432/x?page=2&api_key=[REDACTED]&Token=[REDACTED]#frag",
  );
  assert.equal(r.context.str, "postgres://app:[REDACTED]@10.0.0.1/db");
  assert.equal(r.context.text, "see https://[REDACTED]@github.com/o/r.git?x=1 now");
  assert.equal(r.context.plain, "https://example.com/a?q=search&sort=asc");
  assert.deepEqual(r.context.nested, { list: ["https://h/?access_token=[REDACTED]&n=1"] });
  assert.equal(r.message, "connect redis://:[REDACTED]@cache:6379/0 and https://x.example/?password=[REDACTED]&id=7");
  for (const secret of ["hunter2", "abc", "s3cret", "ghp_abc123", "zzz", ":pw@", "=p&"]) {
    assert.ok(!JSON.stringify(r).includes(secret), secret);
  }
});

test("Headers and URLSearchParams come out as their entries, redacted, on every runtime", () => {
  const headers = new Headers({
    Authorization: "Bearer xyz",
    "Content-Type": "text/plain",
    "X-Api-Key": "k",
    Cookie: "c=1",
  });
  const r = logOne({ headers, params: new URLSearchParams("q=1&client_secret=s") });
  assert.deepEqual(r.context.headers, {
    authorization: "[REDACTED]",
    "content-type": "text/plain",
    cookie: "[REDACTED]",
    "x-api-key": "[REDACTED]",
  });
  assert.deepEqual(r.context.params, { q: "1", client_secret: "[REDACTED]" });
});

test("redactPatterns replaces matches in the message text", () => {
  const r = logOne({}, { redactPatterns: ["password=\\S+", /token:\s*\w+/i] }, "login password=hunter2 Token: abc ok");
  assert.equal(r.message, "login [REDACTED] [REDACTED] ok");
});

test("prototype keys are data, not prototype changes", () => {
  const ctx = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c"}');
  const r = logOne(ctx);
  assert.deepEqual(r.context.__proto__ as unknown, { polluted: true });
  assert.equal(r.context.constructor as unknown, "c");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
