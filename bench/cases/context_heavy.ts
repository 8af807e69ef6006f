/**
 * context_heavy: records with twenty context fields, some nested, to a file.
 * Implementations: raw, ours, pino.
 */
import { args, context20 } from "./_common.ts";
import { mainToFile } from "./_to_file.ts";

const a = args();
await mainToFile({ context: context20 }, 100_000, a.impl ?? "ours", a.n);
