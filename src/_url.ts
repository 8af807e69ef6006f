/**
 * Endpoint URLs that may carry credentials: a password, or a token in the
 * query. Their secret parts are registered (so reports scrub them) and a
 * display form without them is made for messages and descriptions.
 */
import { registerSecret } from "./report.ts";
import { REDACTED } from "./serialize.ts";

/** Query parameter names whose values are credentials. */
const SENSITIVE_PARAM = /key|token|secret|auth|pass|sig/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Whether a path segment or query value looks like a credential: 16 or
 * more token characters with many digits or mixed case and digits (API
 * keys, UUIDs, hex digests, base64), as in Loggly's `/bulk/<token>/tag/…`.
 */
export function looksLikeToken(text: string): boolean {
  if (text.length < 16 || !/^[A-Za-z0-9._~+=-]+$/.test(text)) return false;
  const digits = text.replace(/[^0-9]/g, "").length;
  if (digits >= 6) return true;
  return digits > 0 && /[a-z]/.test(text) && /[A-Z]/.test(text);
}

function registerBoth(value: string): void {
  registerSecret(value);
  registerSecret(decoded(value));
  registerSecret(encodeURIComponent(decoded(value)));
}

/**
 * Parses an endpoint, registers its password, sensitive query values
 * (`token`, `api_key`, `secret`, `auth`, `password`, `sig`, …) and
 * token-like path segments and query values as secrets, and returns the URL
 * with a display-safe form: scheme, host, path and query with those parts
 * replaced by `[REDACTED]`; no user, password or fragment.
 *
 * @throws {TypeError} When `endpoint` is not a valid URL.
 */
export function secretSafeUrl(endpoint: string | URL): { url: URL; safeUrl: string } {
  const url = new URL(endpoint);
  if (url.password !== "") registerBoth(url.password);
  const query: string[] = [];
  for (const [name, value] of url.searchParams) {
    const sensitive = SENSITIVE_PARAM.test(name) || looksLikeToken(value);
    if (sensitive) registerBoth(value);
    query.push(`${encodeURIComponent(name)}=${sensitive ? REDACTED : encodeURIComponent(value)}`);
  }
  const path = url.pathname.split("/").map((segment) => {
    if (!looksLikeToken(decoded(segment))) return segment;
    registerBoth(segment);
    return REDACTED;
  }).join("/");
  const safeUrl = `${url.protocol}//${url.host}${path}${query.length > 0 ? "?" + query.join("&") : ""}`;
  return { url, safeUrl };
}
