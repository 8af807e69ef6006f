/**
 * Gzip of a whole file with the web-standard `CompressionStream`, streamed in
 * chunks so that a large file never sits in memory and the event loop keeps
 * running between chunks.
 */
import type { AppendHandle, ReadHandle } from "./runtime/file.ts";

const CHUNK = 65536;

/** Gzips bytes held in memory (a request body, for one). */
export async function gzipBytes(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Gzips everything `source` yields into `target`. Stops early (with a short,
 * valid but incomplete stream) when `cancelled()` turns true; the caller then
 * discards the target.
 *
 * @returns Whether the whole source was compressed.
 */
export async function gzipInto(source: ReadHandle, target: AppendHandle, cancelled: () => boolean): Promise<boolean> {
  const stream = new CompressionStream("gzip");
  const writer = stream.writable.getWriter();
  let complete = false;
  const feeding = (async () => {
    try {
      for (;;) {
        if (cancelled()) break;
        const chunk = new Uint8Array(CHUNK);
        const n = await source.read(chunk);
        if (n === 0) {
          complete = true;
          break;
        }
        await writer.write(n === CHUNK ? chunk : chunk.subarray(0, n));
      }
      await writer.close();
    } catch (e) {
      await writer.abort(e).catch(() => {});
      throw e;
    }
  })();
  // The reading side below must keep going while feeding runs; its failure
  // surfaces through the reader as well, so only observe it here.
  feeding.catch(() => {});
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    await target.write(value);
  }
  await feeding;
  return complete && !cancelled();
}
