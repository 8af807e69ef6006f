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
 * Parses an endpoint, registers its password and sensitive query values
 * (`token`, `api_key`, `secret`, `auth`, `password`, `sig`, …) as secrets,
 * and returns the URL with a display-safe form: scheme, host, path and the
 * query with sensitive values replaced by `[REDACTED]`; no user, password or
 * fragment.
 *
 * @throws {TypeError} When `endpoint` is not a valid URL.
 */
export function secretSafeUrl(endpoint: string | URL): { url: URL; safeUrl: string } {
  const url = new URL(endpoint);
  if (url.password !== "") {
    registerSecret(url.password);
    registerSecret(decoded(url.password));
  }
  const query: string[] = [];
  for (const [name, value] of url.searchParams) {
    const sensitive = SENSITIVE_PARAM.test(name);
    if (sensitive) {
      registerSecret(value);
      registerSecret(encodeURIComponent(value));
    }
    query.push(`${encodeURIComponent(name)}=${sensitive ? REDACTED : encodeURIComponent(value)}`);
  }
  const safeUrl = `${url.protocol}//${url.host}${url.pathname}${query.length > 0 ? "?" + query.join("&") : ""}`;
  return { url, safeUrl };
}
