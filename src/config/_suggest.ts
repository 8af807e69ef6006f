/** Did-you-mean suggestions and the common shape of configuration errors. */
import { LoggerConfigurationError } from "../errors.ts";

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/**
 * The closest candidate to `word`, if close enough to be a likely typo.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * A `LoggerConfigurationError` in the common shape: "Invalid logger
 * configuration at <where>: <message>", with `where` and `details` in its
 * details.
 */
export function configError(
  where: string,
  message: string,
  details: Record<string, unknown>,
  suggestions: string[] = [],
): LoggerConfigurationError {
  return new LoggerConfigurationError(`Invalid logger configuration at ${where}: ${message}`, {
    details: { at: where, ...details },
    suggestions,
  });
}
