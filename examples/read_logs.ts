/** Reads back JSON-lines log files, rotated backups and their `.gz`, oldest first. */
import { readdirSync, readFileSync } from "node:fs";
import type { LogRecord } from "../mod.ts";

/** Every record of `name` and its backups in `dir`, oldest first. */
export async function readRecordFiles(
  dir: string,
  name: string,
): Promise<{ records: LogRecord[]; files: string[]; gz: number }> {
  const backups: { n: number; file: string }[] = [];
  for (const e of readdirSync(dir)) {
    const m = new RegExp(`^${name.replace(/\./g, "\\.")}\\.(\\d+)(\\.gz)?$`).exec(e);
    if (m) backups.push({ n: Number(m[1]), file: e });
  }
  backups.sort((a, b) => b.n - a.n);
  const files = [...backups.map((b) => b.file), name];
  const records: LogRecord[] = [];
  let gz = 0;
  for (const f of files) {
    let text: string;
    try {
      if (f.endsWith(".gz")) {
        gz++;
        text = await new Response(
          new Blob([readFileSync(`${dir}/${f}`)]).stream().pipeThrough(
            new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
          ),
        ).text();
      } else {
        text = readFileSync(`${dir}/${f}`, "utf8");
      }
    } catch {
      continue;
    }
    for (const line of text.split("\n")) if (line) records.push(JSON.parse(line));
  }
  return { records, files, gz };
}
