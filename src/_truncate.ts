/**
 * Cutting text to a size, with a marker that says how many characters were
 * cut (`…[truncated N chars]`), never inside a surrogate pair.
 */

/** Room kept for the `…[truncated N chars]` marker of a cut value. */
export const CUT_MARKER_ROOM = 32;
/** A value is cut rather than omitted when at least this much of it fits. */
export const MIN_CUT = 16;

/** `s` within `max` characters, plus the marker when it was cut. */
export function truncateString(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max;
  // Do not split a surrogate pair.
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return s.slice(0, cut) + `…[truncated ${s.length - cut} chars]`;
}

const TRUNCATED_TAIL = /…\[truncated (\d+) chars\]$/;

/** `truncateString` of a text that may already carry its marker: the count covers both cuts. */
export function truncateAgain(s: string, max: number): string {
  const m = TRUNCATED_TAIL.exec(s);
  if (m === null) return truncateString(s, max);
  const body = s.slice(0, m.index);
  if (body.length <= max) return s;
  let cut = max;
  const c = body.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return body.slice(0, cut) + `…[truncated ${body.length - cut + Number(m[1])} chars]`;
}
