/**
 * Payload encryption for the REST backend: AES-256-GCM through Web Crypto,
 * the key derived from a passphrase with PBKDF2-SHA-256. Each body is a JSON
 * envelope naming the algorithm and version, with its own random 96-bit IV;
 * the envelope's header fields are authenticated too, so changing any of
 * them makes decryption fail.
 */
import { LoggerSecurityError } from "./errors.ts";

const VERSION = 1;
const ALG = "AES-256-GCM";
const KDF = "PBKDF2-SHA-256";
const ITERATIONS = 600_000;
const MIN_ITERATIONS = 10_000;
/** Twice the default: a larger count in an envelope is refused before any key is derived (PBKDF2 cost bound). */
const MAX_ITERATIONS = 2 * ITERATIONS;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Envelope {
  v: number;
  alg: string;
  kdf: string;
  iter: number;
  salt: string;
  iv: string;
  ciphertext: string;
  /** `"gzip"` when the plaintext was compressed before encryption. */
  zip?: string;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new LoggerSecurityError("Web Crypto (crypto.subtle) is not available on this runtime", {
      suggestions: ["Run on Deno, Bun, Node ≥ 20 or in a secure browser context"],
    });
  }
  return s;
}

// Derived keys by passphrase digest, salt and iterations; deriving is slow on purpose.
const keyCache = new Map<string, Promise<CryptoKey>>();
const MAX_CACHED_KEYS = 64;

async function passphraseId(passphrase: string): Promise<string> {
  const digest = new Uint8Array(await subtle().digest("SHA-256", encoder.encode(passphrase)));
  return toBase64(digest);
}

async function deriveKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const id = `${await passphraseId(passphrase)}:${toBase64(salt)}:${iterations}`;
  let key = keyCache.get(id);
  if (key === undefined) {
    key = (async () => {
      const base = await subtle().importKey("raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
      return subtle().deriveKey(
        { name: "PBKDF2", hash: "SHA-256", iterations, salt },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(id, key);
    key.catch(() => keyCache.delete(id));
  }
  return key;
}

function headerBytes(e: Pick<Envelope, "v" | "alg" | "kdf" | "iter" | "salt" | "zip">): Uint8Array<ArrayBuffer> {
  const fields: unknown[] = [e.v, e.alg, e.kdf, e.iter, e.salt];
  if (e.zip !== undefined) fields.push(e.zip);
  return encoder.encode(JSON.stringify(fields));
}

function checkPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== "string" || passphrase === "") {
    throw new LoggerSecurityError("An encryption key (a non-empty passphrase) is required", {
      suggestions: ['Set "encryptionKey" on the backend, and give the same key to decryptPayload'],
    });
  }
}

/** Salts of encrypting backends: one per passphrase per process, so the key is derived once. */
const processSalts = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * Encrypts a text with AES-256-GCM under a key derived from `passphrase`,
 * returning the JSON envelope
 * `{"v":1,"alg":"AES-256-GCM","kdf":"PBKDF2-SHA-256","iter":…,"salt":…,"iv":…,"ciphertext":…}`
 * (base64 fields). Every call uses a fresh random 96-bit IV.
 *
 * @param plaintext The text to encrypt (a request body).
 * @param passphrase The shared secret.
 * @returns The envelope as JSON text.
 * @throws {LoggerSecurityError} Without a passphrase or Web Crypto.
 *
 * @example
 * ```ts
 * import { decryptPayload, encryptPayload } from "@jinpy/logger";
 * const body = await encryptPayload('{"logs":[]}', "correct horse battery staple");
 * console.log(await decryptPayload(body, "correct horse battery staple")); // {"logs":[]}
 * ```
 */
export function encryptPayload(plaintext: string, passphrase: string): Promise<string> {
  return encryptBytes(encoder.encode(plaintext), passphrase);
}

/**
 * Encrypts bytes into an envelope; `zip: "gzip"` marks bytes that are a
 * gzip stream (compressed before encryption), which `decryptPayload`
 * decompresses.
 */
export async function encryptBytes(
  plain: Uint8Array<ArrayBuffer>,
  passphrase: string,
  zip?: "gzip",
): Promise<string> {
  checkPassphrase(passphrase);
  const id = await passphraseId(passphrase);
  let salt = processSalts.get(id);
  if (salt === undefined) {
    salt = crypto.getRandomValues(new Uint8Array(16));
    if (processSalts.size >= MAX_CACHED_KEYS) processSalts.clear();
    processSalts.set(id, salt);
  }
  const header: Omit<Envelope, "iv" | "ciphertext"> = {
    v: VERSION,
    alg: ALG,
    kdf: KDF,
    iter: ITERATIONS,
    salt: toBase64(salt),
  };
  if (zip !== undefined) header.zip = zip;
  const key = await deriveKey(passphrase, salt, ITERATIONS);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await subtle().encrypt({ name: "AES-GCM", iv, additionalData: headerBytes(header), tagLength: 128 }, key, plain),
  );
  const envelope: Envelope = { ...header, iv: toBase64(iv), ciphertext: toBase64(ct) };
  return JSON.stringify(envelope);
}

function invalid(reason: string): LoggerSecurityError {
  return new LoggerSecurityError(`Cannot decrypt payload: ${reason}`, {
    details: { reason },
    suggestions: ["Check that sender and receiver use the same encryptionKey and that the body was not altered"],
  });
}

/**
 * Decrypts a body made by `encryptPayload` (or by a REST backend with
 * `encryptPayload: true`), for receivers.
 *
 * @param body The envelope (JSON text or bytes as UTF-8).
 * @param passphrase The backend's `encryptionKey`.
 * @returns The original text (the request body before encryption).
 * @throws {LoggerSecurityError} On a wrong key, a tampered or malformed envelope.
 *
 * @example
 * ```ts
 * import { decryptPayload, encryptPayload, LoggerSecurityError } from "@jinpy/logger";
 * const body = await encryptPayload('{"logs":[]}', "s3cret-passphrase");
 * console.log(JSON.parse(await decryptPayload(body, "s3cret-passphrase")).logs); // []
 * try {
 *   await decryptPayload(body, "wrong passphrase");
 * } catch (e) {
 *   console.log(e instanceof LoggerSecurityError); // true
 * }
 * ```
 */
export async function decryptPayload(body: string | Uint8Array, passphrase: string): Promise<string> {
  checkPassphrase(passphrase);
  let e: Envelope;
  try {
    e = JSON.parse(typeof body === "string" ? body : decoder.decode(body));
  } catch {
    throw invalid("the body is not a JSON envelope");
  }
  if (typeof e !== "object" || e === null) throw invalid("the body is not a JSON envelope");
  if (e.v !== VERSION) throw invalid(`unsupported envelope version ${JSON.stringify(e.v)}`);
  if (e.alg !== ALG) throw invalid(`unsupported algorithm ${JSON.stringify(e.alg)}`);
  if (e.kdf !== KDF) throw invalid(`unsupported key derivation ${JSON.stringify(e.kdf)}`);
  if (e.zip !== undefined && e.zip !== "gzip") throw invalid(`unsupported compression ${JSON.stringify(e.zip)}`);
  if (!Number.isInteger(e.iter) || e.iter < MIN_ITERATIONS || e.iter > MAX_ITERATIONS) {
    throw invalid("iteration count out of range");
  }
  let salt: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, ct: Uint8Array<ArrayBuffer>;
  try {
    salt = fromBase64(e.salt);
    iv = fromBase64(e.iv);
    ct = fromBase64(e.ciphertext);
  } catch {
    throw invalid("malformed base64 field");
  }
  if (salt.length < 16 || iv.length !== 12 || ct.length < 16) throw invalid("malformed envelope fields");
  const key = await deriveKey(passphrase, salt, e.iter);
  let plain: ArrayBuffer;
  try {
    plain = await subtle().decrypt({ name: "AES-GCM", iv, additionalData: headerBytes(e), tagLength: 128 }, key, ct);
  } catch {
    throw invalid("wrong key or tampered body (authentication failed)");
  }
  let bytes = new Uint8Array(plain);
  if (e.zip === "gzip") {
    try {
      bytes = await gunzip(bytes);
    } catch {
      throw invalid("the decrypted body is not a gzip stream");
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("the decrypted body is not UTF-8 text");
  }
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
