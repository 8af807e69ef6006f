/**
 * file: records with three context fields to a file, flushed at the end.
 * Implementations: raw, ours, pino, logtape-file, logtape-stream, winston.
 */
import { args, context3 } from "./_common.ts";
import { mainToFile } from "./_to_file.ts";

const a = args();
await mainToFile({ context: context3 }, 200_000, a.impl ?? "ours", a.n);
