/**
 * Which keys name secrets: the built-in sensitive words, the words of a key,
 * matching them as whole words, and the marker that replaces a secret value.
 */

/** The marker that replaces the value of a sensitive key. */
export const REDACTED = "[REDACTED]";

/**
 * The built-in sensitive words. A key is secret when one of these appears in
 * it as a whole word (keys split on case changes, digits, `_`, `-`, `.` and
 * spaces): `apiKey`, `x-api-key`, `accessToken`, `Set-Cookie`, `session_id`
 * are secret, `author`, `keyboard`, `monkey`, `tokenizer` are not. A word of
 * several parts (`"session id"`) matches those parts in a row.
 */
export const DEFAULT_SENSITIVE_FIELDS: readonly string[] = Object.freeze([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "token",
  "key",
  "apikey",
  "auth",
  "authorization",
  "cookie",
  "credential",
  "credentials",
  "session id",
  "sessionid",
  "jwt",
  "bearer",
  "signature",
]);

/** The lowercase words of a key or field name: `"x-apiKey_2"` → `["x", "api", "key", "2"]`. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([a-zA-Z])([0-9])/g, "$1 $2")
    .toLowerCase()
    .split(/[\s_.\-]+/)
    .filter((w) => w !== "");
}

/** Whether the words of a key contain one of the sensitive words (its parts in a row). */
export function matchesWords(words: readonly string[], sensitive: readonly (readonly string[])[]): boolean {
  for (const phrase of sensitive) {
    for (let i = 0; i + phrase.length <= words.length; i++) {
      let j = 0;
      while (j < phrase.length && words[i + j] === phrase[j]) j++;
      if (j === phrase.length) return true;
    }
  }
  return false;
}
