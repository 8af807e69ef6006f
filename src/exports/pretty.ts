/**
 * The pretty printer, a command-line tool: reads NDJSON records (ours and
 * the Python edition's) from a file or stdin and prints one colored human
 * line per record; lines that are not records pass through unchanged.
 *
 * ```sh
 * deno run -A jsr:@jinpy/logger/pretty app.log
 * tail -f app.log | deno run -A jsr:@jinpy/logger/pretty --level warning
 * deno run -A jsr:@jinpy/logger/pretty --follow --logger app.db logs/app.log
 * ```
 *
 * Options: `--level <name>` (that level and above), `--logger <name>` (that
 * logger and its descendants; repeatable), `--follow`/`-f` (keep reading a
 * growing file, across rotation), `--color`/`--no-color` (default: on a
 * terminal, unless `NO_COLOR` is set; `FORCE_COLOR` forces). Gzipped input
 * (the file backend's rotated `app.log.1.gz`) is decompressed.
 *
 * @example
 * ```ts
 * import { prettyLine } from "@jinpy/logger/pretty";
 * console.log(prettyLine('{"timestamp":"2026-01-02T03:04:05Z","level":"warning","message":"slow","logger_name":"app.db"}'));
 * ```
 *
 * @module
 */
import { LineSplitter, PrettyPrinter } from "../pretty.ts";
import { cliArgs, exitProcess, isMain, readFile, readStdin } from "../runtime/cli.ts";
import { getEnv, isTerminal, writeStd } from "../runtime/runtime.ts";

export { LineSplitter, prettyLine, type PrettyOptions, PrettyPrinter } from "../pretty.ts";

const USAGE = `usage: pretty [--level <level>] [--logger <name>]... [--follow] [--color | --no-color] [file | -]
Reads NDJSON log records from the file (or stdin) and prints one line per record.
  --level <level>   show records at this level and above (trace, debug, info, warning, error, critical)
  --logger <name>   show records of this logger and its descendants (repeatable)
  -f, --follow      keep reading the file as it grows
  --color, --no-color   force colors on or off (default: on a terminal, unless NO_COLOR is set)
`;

interface Parsed {
  level?: string;
  loggers: string[];
  follow: boolean;
  colors?: boolean;
  file?: string;
  help: boolean;
}

function parseArgs(args: string[]): Parsed {
  const out: Parsed = { loggers: [], follow: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      if (a.startsWith("--") && eq > 0) return a.slice(eq + 1);
      if (i + 1 >= args.length) throw new Error(`${flag} needs a value`);
      return args[++i];
    };
    if (flag === "--level" || flag === "-l") out.level = value();
    else if (flag === "--logger") out.loggers.push(value());
    else if (flag === "--follow" || flag === "-f") out.follow = true;
    else if (flag === "--color" || flag === "--colors") out.colors = true;
    else if (flag === "--no-color" || flag === "--no-colors") out.colors = false;
    else if (flag === "--help" || flag === "-h") out.help = true;
    else if (a === "-" || !a.startsWith("-")) {
      if (out.file !== undefined) throw new Error(`one file at a time (got ${out.file} and ${a})`);
      out.file = a;
    } else throw new Error(`unknown option ${a}`);
  }
  return out;
}

function autoColors(): boolean {
  const force = getEnv("FORCE_COLOR");
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  const no = getEnv("NO_COLOR");
  if (no !== undefined && no !== "") return false;
  return isTerminal("stdout");
}

/**
 * Runs the pretty printer with command-line arguments.
 *
 * @param args The arguments (without the program).
 * @param signal Stops a `--follow` read.
 * @returns The exit code: 0, 1 when the input cannot be read, 2 for bad arguments.
 *
 * @example
 * ```ts ignore
 * import { main } from "@jinpy/logger/pretty";
 * await main(["--level", "warning", "app.log"]);
 * ```
 */
export async function main(args: string[], signal?: AbortSignal): Promise<number> {
  let parsed: Parsed;
  let printer: PrettyPrinter;
  try {
    parsed = parseArgs(args);
    if (parsed.help) {
      writeStd("stdout", USAGE);
      return 0;
    }
    printer = new PrettyPrinter({
      level: parsed.level,
      loggers: parsed.loggers,
      colors: parsed.colors ?? autoColors(),
    });
  } catch (e) {
    writeStd("stderr", `pretty: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const splitter = new LineSplitter();
  const emit = (lines: string[]) => {
    let out = "";
    for (const l of lines) {
      const shown = printer.line(l);
      if (shown !== undefined) out += shown + "\n";
    }
    writeStd("stdout", out);
  };
  const source = parsed.file === undefined || parsed.file === "-"
    ? readStdin()
    : readFile(parsed.file, { follow: parsed.follow, signal });
  try {
    for await (const chunk of gunzipped(source)) emit(splitter.push(chunk));
    emit(splitter.end());
  } catch (e) {
    const code = (e as { code?: string }).code;
    // A reader that went away (`| head`) ends the output, quietly.
    if (code === "EPIPE" || (e as Error)?.name === "BrokenPipe") return 0;
    writeStd("stderr", `pretty: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
  return 0;
}

/** The chunks as they are, or decompressed when they begin as gzip does (rotated files, `app.log.1.gz`). */
async function* gunzipped(source: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  const first = await source.next();
  if (first.done) return;
  const head = first.value;
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b || typeof DecompressionStream !== "function") {
    yield head;
    yield* source;
    return;
  }
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(head as Uint8Array<ArrayBuffer>);
    },
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value as Uint8Array<ArrayBuffer>);
    },
  });
  const reader = input.pipeThrough(new DecompressionStream("gzip")).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

if (isMain(import.meta.url, (import.meta as { main?: boolean }).main)) {
  exitProcess(await main(cliArgs()));
}
