import { writeStd } from "./runtime/runtime.ts";
import { REDACTED, redactUrl } from "./serialize.ts";

/**
 * Reports the package's own problems on stderr, once per key, with secrets
 * scrubbed. A report never throws.
 */

const reported = new Set<string>();
const secrets = new Set<string>();
const MAX_KEYS = 10_000;

/**
 * Registers a secret value (a header value, an API or encryption key) so
 * that it never appears in a report or an error text made by `scrub`.
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== "string" || value.length < 4) return;
  secrets.add(value);
  // The token after "Bearer " is a secret of its own.
  const m = /^\s*(?:Bearer|Basic|Token)\s+(.+)$/i.exec(value);
  if (m && m[1].length >= 4) secrets.add(m[1]);
}

/** Removes registered secrets, URL passwords and bearer tokens from a text. */
export function scrub(text: string): string {
  let out = redactUrl(text).replace(/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`);
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  out = out.replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${REDACTED}@`);
  return out;
}

/** A short, scrubbed description of an error. */
export function describeError(error: unknown): string {
  let text: string;
  try {
    if (error instanceof Error) {
      text = `${error.name}: ${error.message}`;
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof Error && cause.message && !error.message.includes(cause.message)) {
        text += ` (cause: ${cause.name}: ${cause.message})`;
      }
    } else {
      text = String(error);
    }
  } catch {
    text = "unknown error";
  }
  return scrub(text);
}

/**
 * Writes `[@jinpy/logger] message` to stderr the first time `key` is seen.
 *
 * @returns Whether it was written now.
 */
export function reportOnce(key: string, message: string): boolean {
  if (reported.has(key)) return false;
  if (reported.size < MAX_KEYS) reported.add(key);
  try {
    writeStd("stderr", `[@jinpy/logger] ${scrub(message)}\n`);
  } catch {
    // stderr is gone: nothing else to tell.
  }
  return true;
}
