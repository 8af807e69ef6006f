import { writeStd } from "./runtime/runtime.ts";
import { REDACTED, redactUrl } from "./serialize.ts";

/**
 * Reports the package's own problems on stderr, once per key, with secrets
 * scrubbed. A report never throws.
 */

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

/** What a kind of report has printed and held back so far. */
interface KindState {
  printed: number;
  suppressed: number;
}

/** Keys seen recently, oldest first (a Map keeps insertion order): the "once" of reportOnce. */
const recent = new Map<string, true>();
const kinds = new Map<string, KindState>();
const MAX_KINDS = 1000;
/** Distinct reports printed per kind before the rest are only counted. */
const DEFAULT_PER_KIND = 20;

function kindState(kind: string): KindState {
  let state = kinds.get(kind);
  if (state === undefined) {
    if (kinds.size >= MAX_KINDS) kind = "[other]";
    state = kinds.get(kind);
    if (state === undefined) kinds.set(kind, state = { printed: 0, suppressed: 0 });
  }
  return state;
}

function writeReport(message: string): void {
  try {
    writeStd("stderr", `[@jinpy/logger] ${scrub(message)}\n`);
  } catch {
    // stderr is gone: nothing else to tell.
  }
}

/**
 * Writes `[@jinpy/logger] message` to stderr the first time `key` is seen.
 * Memory stays bounded however many keys come: the most recent 10,000 keys
 * are remembered, and each `kind` of report (default: the key itself)
 * prints at most `perKind` distinct keys — after that one line says that
 * further reports of the kind are only counted (`reportCounts()`).
 *
 * @returns Whether it was written now.
 */
export function reportOnce(key: string, message: string, kind: string = key, perKind = DEFAULT_PER_KIND): boolean {
  if (recent.has(key)) return false;
  recent.set(key, true);
  if (recent.size > MAX_KEYS) recent.delete(recent.keys().next().value as string);
  const state = kindState(kind);
  if (state.printed >= perKind) {
    if (state.suppressed++ === 0 && perKind > 1) {
      writeReport(`${message} (further reports like this one are counted, not printed)`);
    }
    return false;
  }
  state.printed++;
  writeReport(message);
  return true;
}

/**
 * How many reports of each kind were printed and held back, for
 * diagnostics and tests.
 */
export function reportCounts(): Record<string, { printed: number; suppressed: number }> {
  const out: Record<string, { printed: number; suppressed: number }> = {};
  for (const [kind, state] of kinds) out[kind] = { ...state };
  return out;
}
