/** The seed's snake_case keys and the Python edition's dump dialect, mapped onto ours. */
import { configError } from "./_suggest.ts";

/** `snake_case` → `camelCase`; camelCase stays as it is. */
export function camelKey(key: string): string {
  return key.includes("_") ? key.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()) : key;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The keys as the user wrote them, by camelCase key, of each object `camelize` made. */
const WRITTEN = new WeakMap<Record<string, unknown>, Record<string, string>>();

/**
 * The object with camelCase keys. Two spellings of one key with different
 * values (`batch_size: 10` and `batchSize: 20`) are an error naming both.
 */
export function camelize(obj: Record<string, unknown>, where = "config"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const written: Record<string, string> = {};
  for (const k of Object.keys(obj)) {
    const c = camelKey(k);
    // The same value under both spellings (a config normalized again) is no conflict.
    if (c in written && obj[written[c]] !== obj[k]) {
      throw configError(where, `"${written[c]}" and "${k}" are the same key; give it once`, {
        key: written[c],
        also: k,
      }, [`Keep either "${written[c]}" or "${k}"`]);
    }
    if (c in written && c !== k) continue;
    written[c] = k;
    out[c] = obj[k];
  }
  WRITTEN.set(out, written);
  return out;
}

/** How the user wrote the key `key` of an object `camelize` made. */
export function writtenKey(obj: Record<string, unknown>, key: string): string {
  return WRITTEN.get(obj)?.[key] ?? key;
}

/** `camelCase` → `snake_case`. */
export function snakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** A key in the spelling the user chose: snake_case when they wrote `written` in it. */
export function inSpellingOf(written: string, key: string): string {
  return written.includes("_") ? snakeKey(key) : key;
}

/** Maps the Python edition's dump dialect onto ours (keys already camelCase). */
export function fromPythonDialect(c: Record<string, unknown>, where: string): void {
  if (c.type === undefined && c.backendType !== undefined) c.type = c.backendType;
  delete c.backendType;
  if (c.colors !== undefined && c.useColors === undefined) c.useColors = c.colors;
  delete c.colors;
  if (c.wsUrl !== undefined && c.endpoint === undefined) c.endpoint = c.wsUrl;
  delete c.wsUrl;
  if (typeof c.compression === "string") {
    const v = c.compression.toLowerCase();
    if (v === "gzip") c.compression = true;
    else if (v === "none" || v === "") c.compression = false;
    else {
      throw configError(where, `"compression" ${JSON.stringify(c.compression)} is not supported`, {
        key: "compression",
        given: c.compression,
      }, ['Use "gzip" (or true) or "none" (or false)']);
    }
  }
  if (typeof c.baseUrl === "string") {
    const endpoint = typeof c.endpoint === "string" && c.endpoint !== "" ? c.endpoint : undefined;
    try {
      c.endpoint = endpoint ? new URL(endpoint, c.baseUrl).href : c.baseUrl;
    } catch {
      throw configError(where, `"base_url" is not a valid URL`, { key: "base_url" });
    }
  }
  delete c.baseUrl;
  // The Python edition's network backends flush their buffer every flush_interval seconds.
  if (
    (c.type === "rest_api" || c.type === "websocket") && typeof c.flushInterval === "number" &&
    c.batchTimeout === undefined
  ) {
    c.batchTimeout = c.flushInterval;
  }
  if (c.type === "rest_api" && c.timeout !== undefined && c.timeoutSeconds === undefined) {
    c.timeoutSeconds = c.timeout;
  }
  if (isPlainObject(c.retry) && (c.type === "rest_api")) {
    const r = camelize(c.retry);
    if (r.maxAttempts !== undefined && c.retryCount === undefined) c.retryCount = r.maxAttempts;
    if (r.backoffMultiplier !== undefined && c.retryBackoffFactor === undefined) {
      c.retryBackoffFactor = r.backoffMultiplier;
    }
    if (r.baseDelay !== undefined && c.retryBaseDelay === undefined) c.retryBaseDelay = r.baseDelay;
    if (r.maxDelay !== undefined && c.retryMaxDelay === undefined) c.retryMaxDelay = r.maxDelay;
    if (r.jitter !== undefined && c.retryJitter === undefined) c.retryJitter = r.jitter;
  }
  if (isPlainObject(c.security) && (c.type === "rest_api" || c.type === "websocket")) {
    const s = camelize(c.security);
    const token = typeof s.apiKey === "string" && s.apiKey !== ""
      ? s.apiKey
      : typeof s.oauth2Token === "string" && s.oauth2Token !== ""
      ? s.oauth2Token
      : undefined;
    if (token !== undefined) {
      const headers = isPlainObject(c.headers) ? { ...c.headers } : {};
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) {
        headers.Authorization = `Bearer ${token}`;
      }
      c.headers = headers;
    }
    if (c.type === "rest_api") {
      if (typeof s.verifySsl === "boolean" && c.verifySsl === undefined) c.verifySsl = s.verifySsl;
      if (typeof s.caCertPath === "string" && c.caCert === undefined) c.caCert = s.caCertPath;
      if (typeof s.tlsCertPath === "string" && c.clientCert === undefined) c.clientCert = s.tlsCertPath;
      if (typeof s.tlsKeyPath === "string" && c.clientKey === undefined) c.clientKey = s.tlsKeyPath;
    }
  }
}
