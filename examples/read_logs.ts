/** Reads back JSON-lines log files, rotated backups and their `.gz`, oldest first. */
import type { LogRecord } from "../mod.ts";

/** Every record of `name` and its backups in `dir`, oldest first. */
export async function readRecordFiles(
  dir: string,
  name: string,
): Promise<{ records: LogRecord[]; files: string[]; gz: number }> {
  const backups: { n: number; file: string }[] = [];
  for await (const e of Deno.readDir(dir)) {
    const m = new RegExp(`^${name.replace(/\./g, "\\.")}\\.(\\d+)(\\.gz)?$`).exec(e.name);
    if (m) backups.push({ n: Number(m[1]), file: e.name });
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
        const file = await Deno.open(`${dir}/${f}`);
        text = await new Response(
          file.readable.pipeThrough(
            new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
          ),
        ).text();
      } else {
        text = await Deno.readTextFile(`${dir}/${f}`);
      }
    } catch {
      continue;
    }
    for (const line of text.split("\n")) if (line) records.push(JSON.parse(line));
  }
  return { records, files, gz };
}
