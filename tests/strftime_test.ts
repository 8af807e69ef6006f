import { after, test } from "node:test";
import assert from "node:assert/strict";
import { compileStrftime } from "../mod.ts";
import { findBinary, runCommand, runScript, tempDir } from "./_helpers.ts";

const dir = tempDir("jinpy-strftime-");
after(() => dir.cleanup());

const FORMATS = [
  "%Y-%m-%d %H:%M:%S.%f %z %Z",
  "%j %a %A %b %B %h %p %P %y %C %e %k %l %I",
  "%c|%x|%X|%D|%F|%T|%R|%r|%%",
  "%u %w %U %W %G %g %V",
  "%-d %-m %-H %-j %_d %_m %0e %^a %^B %^p %-I %-M",
  "%n%t%Q%",
];

/** Local midnights, summer-time edges, year and ISO-week edges, a leap day. */
const TIMES = [
  "2026-03-29T22:30:00.123456Z", // 2026-03-30 00:30 in Berlin, summer time
  "2026-03-29T00:59:59.999999Z",
  "2026-03-29T01:00:00.000001Z",
  "2026-10-25T00:30:00Z",
  "2026-10-25T01:30:00Z",
  "2026-11-25T10:56:14.556768Z",
  "2026-12-31T23:59:59.5Z",
  "2027-01-01T00:00:00Z",
  "2027-01-03T12:00:00Z",
  "2027-01-04T13:14:15Z",
  "2028-02-29T06:07:08Z",
  "2028-12-31T18:00:00Z",
  "2020-12-31T00:00:00Z",
  "2021-01-01T11:59:59Z",
  "2026-07-01T12:00:00Z",
  "2026-01-01T00:00:00Z",
].map((iso) => {
  const m = /\.(\d+)Z$/.exec(iso);
  const micros = m ? Number(m[1].padEnd(6, "0")) : 0;
  return Date.parse(iso.replace(/\.\d+Z$/, "Z")) + micros / 1000;
});

const PYTHON = `
import datetime, json, sys
formats, times = json.loads(sys.argv[1])
out = []
for ms in times:
    micro = int(ms * 1000) % 1000000
    d = datetime.datetime.fromtimestamp(int(ms // 1000), tz=datetime.timezone.utc).astimezone()
    d = d.replace(microsecond=micro)
    out.append([d.strftime(f) for f in formats])
print(json.dumps(out))
`;

const python = findBinary("python3");

for (const zone of ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Asia/Dubai"]) {
  test(`strftime matches Python's datetime.strftime (C locale) in ${zone}`, { skip: !python }, async () => {
    // Python's int(ms * 1000) is the same float product as ours.
    const args = JSON.stringify([FORMATS, TIMES]);
    const ours = await runScript(
      dir.path,
      `import { compileStrftime } from "@jinpy/logger";
const [formats, times] = ${args};
console.log(JSON.stringify(times.map((t: number) => formats.map((f: string) => compileStrftime(f)(t)))));`,
      { env: { TZ: zone, LC_ALL: "C" } },
    );
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await runCommand([python!, "-c", PYTHON, args], { env: { TZ: zone, LC_ALL: "C" } });
    assert.equal(theirs.code, 0, theirs.stderr);
    const a = JSON.parse(ours.stdout) as string[][];
    const b = JSON.parse(theirs.stdout) as string[][];
    for (let i = 0; i < TIMES.length; i++) {
      for (let j = 0; j < FORMATS.length; j++) {
        assert.equal(a[i][j], b[i][j], `${new Date(TIMES[i]).toISOString()} ${JSON.stringify(FORMATS[j])} in ${zone}`);
      }
    }
  });
}

test("%j is right in the first hour of a summer-time day, %Z is the abbreviation, %:z as Python 3.12 (Europe/Berlin)", async () => {
  const r = await runScript(
    dir.path,
    `import { compileStrftime } from "@jinpy/logger";
const f = compileStrftime("%j %Z %z %:z");
console.log(f(Date.UTC(2026, 2, 29, 22, 30)), "|", f(Date.UTC(2026, 0, 15)));`,
    { env: { TZ: "Europe/Berlin" } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "089 CEST +0200 +02:00 | 015 CET +0100 +01:00");
});

test("sub-second parts change within a second while the rest is cached", () => {
  const f = compileStrftime("%S.%f|%L");
  const base = Date.UTC(2026, 0, 1, 0, 0, 7);
  assert.equal(f(base + 0.001), "07.000001|000");
  assert.equal(f(base + 123.456), "07.123456|123");
  assert.equal(f(base + 1000.5), "08.000500|000");
  // %s is the epoch second (Python's goes through mktime and errs in the repeated hour of a summer-time end).
  assert.equal(compileStrftime("%s")(base + 999), String(base / 1000));
});
