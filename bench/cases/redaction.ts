/**
 * redaction: records carrying secrets (top level and nested) to a file, with
 * redaction on. Ours matches sensitive words in any key; pino is given the
 * exact paths; the raw limit replaces the known keys by hand.
 * Implementations: raw, ours, pino.
 */
import { args, contextSecret } from "./_common.ts";
import { mainToFile } from "./_to_file.ts";

const HIDDEN = "[REDACTED]";
const a = args();
await mainToFile(
  {
    context: contextSecret,
    rawRedact: (c) => ({
      ...c,
      password: HIDDEN,
      api_token: HIDDEN,
      session: { ...(c.session as Record<string, unknown>), auth: HIDDEN },
    }),
    pinoRedact: ["password", "api_token", "session.auth"],
  },
  100_000,
  a.impl ?? "ours",
  a.n,
);
