/**
 * What a command-line tool needs from the runtime: its arguments, whether it
 * is the main module, its exit, and reading stdin or a (growing) file as
 * byte chunks. Feature-detected; never throws on import.
 */
import { builtin } from "./runtime.ts";

interface DenoCli {
  args: string[];
  exit(code: number): never;
  stdin: { readable: ReadableStream<Uint8Array> };
  mainModule?: string;
}
interface ProcessCli {
  argv: string[];
  exit(code: number): never;
  stdin: AsyncIterable<Uint8Array>;
}
interface FileHandle {
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ ino: number; size: number }>;
  close(): Promise<void>;
}
interface FsPromises {
  open(path: string, flags: string): Promise<FileHandle>;
  stat(path: string): Promise<{ ino: number; size: number }>;
}

const g = globalThis as unknown as { Deno?: DenoCli; process?: ProcessCli };
const deno = g.Deno;
const proc = deno === undefined ? g.process ?? builtin<ProcessCli>("node:process") : undefined;
const fsp = builtin<{ promises?: FsPromises }>("node:fs")?.promises;

/** The command-line arguments after the script. */
export function cliArgs(): string[] {
  if (deno) return [...deno.args];
  return proc ? proc.argv.slice(2) : [];
}

/**
 * Whether the module of `url` (its `import.meta.url`) is the program's entry.
 *
 * @param url The module's `import.meta.url`.
 * @param main The module's `import.meta.main`, where the runtime has it.
 */
export function isMain(url: string, main: boolean | undefined): boolean {
  if (main !== undefined) return main;
  const entry = proc?.argv[1];
  if (entry === undefined) return false;
  try {
    return decodeURIComponent(new URL(url).pathname) === entry || new URL(url).pathname === entry;
  } catch {
    return false;
  }
}

/** Ends the process. */
export function exitProcess(code: number): void {
  if (deno) deno.exit(code);
  else proc?.exit(code);
}

/** The bytes of stdin, chunk by chunk, to its end. */
export async function* readStdin(): AsyncGenerator<Uint8Array> {
  if (deno) {
    for await (const chunk of deno.stdin.readable) yield chunk;
  } else if (proc) {
    for await (const chunk of proc.stdin) yield chunk;
  }
}

/** Options of {@link readFile}. */
export interface ReadFileOptions {
  /** Keep reading as the file grows (and after truncation or rotation, from its start). */
  follow?: boolean;
  /** Milliseconds between looks at a followed file. Default 250. */
  pollMs?: number;
  /** Stops a followed read. */
  signal?: AbortSignal;
}

/**
 * The bytes of a file, chunk by chunk; with `follow`, keeps waiting for more
 * (like `tail -f`, from the start of the file) until `signal` aborts.
 */
export async function* readFile(path: string, options: ReadFileOptions = {}): AsyncGenerator<Uint8Array> {
  if (!fsp) throw new Error("this runtime cannot read files");
  const pollMs = options.pollMs ?? 250;
  let handle = await fsp.open(path, "r");
  let position = 0;
  let ino = (await handle.stat()).ino;
  const buf = new Uint8Array(65536);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield buf.slice(0, bytesRead);
        continue;
      }
      if (!options.follow || options.signal?.aborted) return;
      await pause(pollMs, options.signal);
      if (options.signal?.aborted) return;
      // Rotated (a new file at the path) or truncated: start over at its beginning.
      let now: { ino: number; size: number } | undefined;
      try {
        now = await fsp.stat(path);
      } catch {
        now = undefined;
      }
      if (now !== undefined && now.ino !== ino) {
        const next = await fsp.open(path, "r").catch(() => undefined);
        if (next !== undefined) {
          // What the old file got after our last read is read first.
          for (;;) {
            const { bytesRead: n } = await handle.read(buf, 0, buf.length, position);
            if (n === 0) break;
            position += n;
            yield buf.slice(0, n);
          }
          await handle.close();
          handle = next;
          ino = now.ino;
          position = 0;
        }
      } else if (now !== undefined && now.size < position) {
        position = 0;
      }
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(id);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const id = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}
