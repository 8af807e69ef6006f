import type { NormalizedBackendConfig, PayloadFormat } from "../config/config.ts";
import { encryptPayload } from "../crypto.ts";
import { gzipBytes } from "../gzip.ts";
import { LoggerBackendError, LoggerConfigurationError, LoggerConnectionError } from "../errors.ts";
import { buildPayload, type ServiceIdentity } from "../payload.ts";
import { secretSafeUrl } from "../_url.ts";
import { BoundedQueue } from "../queue.ts";
import type { LogEntry } from "../record.ts";
import { describeError, registerSecret, reportOnce } from "../report.ts";
import { backoffDelay, type BackoffOptions, retryAfterMs } from "../retry.ts";
import { dirname, fileSystem, writeBlocker } from "../runtime/file.ts";
import { createHttpClient, type HttpClient, type TlsSettings } from "../runtime/http.ts";
import { hasPermission, onBeforeExit, onExit, unrefTimer } from "../runtime/runtime.ts";
import { BaseBackend } from "./base.ts";

const encoder = new TextEncoder();

/** A binary body as the text an encrypted envelope carries: base64. */
function binaryText(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
const decoder = new TextDecoder();
const NEWLINE = 10;

/** One request's worth of records. */
interface Batch {
  /** Records as JSON texts, oldest first. */
  lines: string[];
  /** The `Idempotency-Key`, the same for every attempt. */
  key: string;
  /** Sequence number of the first record; -1 for a batch replayed from the spool. */
  firstSeq: number;
  /** The request body, built once and reused by every attempt. */
  body?: Promise<{ bytes: Uint8Array<ArrayBuffer>; contentType: string }>;
}

type Outcome =
  | { kind: "sent"; bytes: number; rejectedItems: number }
  | { kind: "rejected"; error: Error }
  | { kind: "failed"; error: Error }
  | { kind: "aborted" };

/** How much of the spool one read asks for. */
const READ_CHUNK = 65536;

/**
 * Calls `visit` with each line of `path` in bytes `[from, to)`, reading in
 * chunks, until it returns false; the last piece counts as a line even
 * without its newline (`complete` is false then). Returns the offset after
 * the last line visited.
 */
function scanLines(
  path: string,
  from: number,
  to: number,
  visit: (line: Uint8Array, complete: boolean) => boolean,
): number {
  let at = from;
  let chunk = READ_CHUNK;
  while (at < to) {
    const want = Math.min(chunk, to - at);
    const bytes = fileSystem!.readRange(path, at, want);
    const end = bytes.length < want || at + want >= to;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
      const more = visit(bytes.subarray(start, nl), true);
      start = nl + 1;
      if (!more) return at + start;
    }
    if (end) {
      if (start < bytes.length) visit(bytes.subarray(start), false);
      return at + bytes.length;
    }
    // A line longer than the chunk: read more of it at once.
    if (start === 0) chunk *= 2;
    at += start;
  }
  return at;
}

function isBlank(line: Uint8Array): boolean {
  for (const b of line) if (b !== 32 && b !== 9 && b !== 13) return false;
  return true;
}

/** Non-blank lines of `path` in bytes `[0, size)`. */
function countLines(path: string, size: number): number {
  let n = 0;
  scanLines(path, 0, size, (line) => {
    if (!isBlank(line)) n++;
    return true;
  });
  return n;
}

/** Whether a spooled line is a whole record (a JSON object), not a piece cut short or garbage. */
function isRecordText(text: string): boolean {
  if (!text.startsWith("{")) return false;
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * What `Spool.take` found: the records, how many vanished with the file,
 * and how many lines could not be records (cut short, or not JSON).
 */
interface Taken {
  lines: string[];
  lost: number;
  unreadable: number;
}

/**
 * A digest of everything that decides where and how a backend delivers its
 * records. Backends may share a spool only when theirs are equal: a record
 * spooled by one is replayed by any of them. Secrets enter it only hashed,
 * and it is never shown.
 */
function targetFingerprint(parts: readonly string[]): string {
  // Two 32-bit lanes (FNV-1a, and a variant with another prime and a shift) over the length-prefixed parts.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (const part of parts) {
    const text = `${part.length}:${part}`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/**
 * The fallback spool: an append-only NDJSON file of records, replayed from
 * its start and removed once everything in it is delivered. Backends with
 * the same file share one spool: any of them appends, and one at a time
 * (the holder) takes a batch, then commits it (delivered) or puts it back.
 * Appends only extend the file, so "delivered up to here" stays a single
 * byte offset. The file is read from the first record not yet taken, never
 * whole. Only backends with the same delivery target share a spool.
 */
class Spool {
  static #open = new Map<string, Spool>();

  /** Whether `path` is the spool of backends that deliver to a target other than `target`. */
  static sharedElsewhere(path: string, target: string): boolean {
    const spool = Spool.#open.get(fileSystem!.resolve(path));
    return spool !== undefined && spool.#target !== target;
  }

  /**
   * The spool of `path`, shared with every backend that uses the same file
   * (which `sharedElsewhere` checked delivers to the same `target`).
   */
  static acquire(path: string, target: string, owner: object, wake: () => void): Spool {
    const key = fileSystem!.resolve(path);
    let spool = Spool.#open.get(key);
    if (spool === undefined) {
      spool = new Spool(path, key, target);
      Spool.#open.set(key, spool);
    }
    spool.#members.set(owner, wake);
    return spool;
  }

  readonly path: string;
  #key: string;
  #target: string;
  #members = new Map<object, () => void>();
  #holder: object | undefined;
  /** Bytes appended (the file's size as far as this process knows). */
  #size = 0;
  #delivered = 0;
  #taken = 0;
  /** Records in the file, delivered, and taken by the holder. */
  #records = 0;
  #deliveredRecords = 0;
  #takenRecords = 0;
  /** Waiting records that vanished with the file, not yet reported by a `take`. */
  #lost = 0;
  #dirMade = false;

  private constructor(path: string, key: string, target: string) {
    this.path = path;
    this.#key = key;
    this.#target = target;
    const info = fileSystem!.stat(path);
    if (info?.isFile && info.size > 0) {
      this.#size = info.size;
      this.#records = countLines(path, info.size);
      // A line cut short by a crash must not swallow the next one appended.
      if (fileSystem!.tail(path, 1)[0] !== NEWLINE) this.append([""]);
    }
  }

  /** Whether records wait in the spool. */
  get pending(): boolean {
    return this.#size > this.#delivered;
  }

  /** Whether another backend is replaying the spool now. */
  heldByOther(owner: object): boolean {
    return this.#holder !== undefined && this.#holder !== owner;
  }

  /** Takes the reader's lock; false when another backend holds it. */
  claim(owner: object): boolean {
    if (this.heldByOther(owner)) return false;
    this.#holder = owner;
    return true;
  }

  /** Appends records, one per line. Throws what the file system reports. */
  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    // Appending behind a file cut shorter than we know would misplace every offset.
    if (this.#size > 0) this.#lost += this.#reconcile();
    const data = encoder.encode(lines.join("\n") + "\n");
    if (!this.#dirMade) {
      fileSystem!.mkdirp(dirname(this.path));
      this.#dirMade = true;
    }
    try {
      fileSystem!.appendFile(this.path, data);
    } catch {
      // The directory may have been removed since: make it again, once.
      fileSystem!.mkdirp(dirname(this.path));
      fileSystem!.appendFile(this.path, data);
    }
    this.#size += data.length;
    for (const line of lines) if (line.trim() !== "") this.#records++;
  }

  /**
   * The holder's next batch: up to `n` records after the ones delivered.
   * When the file was deleted or cut shorter meanwhile, what is in it now
   * is what waits, and the records that vanished are counted in `lost`.
   */
  take(owner: object, n: number): Taken {
    if (this.#holder !== owner) return { lines: [], lost: 0, unreadable: 0 };
    const lost = this.#lost + this.#reconcile();
    this.#lost = 0;
    const lines: string[] = [];
    let unreadable = 0;
    if (this.#taken < this.#size) {
      this.#taken = scanLines(this.path, this.#taken, this.#size, (bytes, complete) => {
        if (isBlank(bytes)) return true;
        // A piece without its newline was cut short: nothing here is still writing it.
        const text = decoder.decode(bytes).trim();
        if (complete && isRecordText(text)) lines.push(text);
        else unreadable++;
        return lines.length < n;
      });
    }
    this.#takenRecords = lines.length + unreadable;
    return { lines, lost, unreadable };
  }

  /** Compares with the file as it is; returns how many waiting records vanished. */
  #reconcile(): number {
    const info = fileSystem!.stat(this.path);
    const real = info?.isFile ? info.size : 0;
    if (real >= this.#size) return 0;
    const waiting = this.#records - this.#deliveredRecords;
    const left = real > 0 ? countLines(this.path, real) : 0;
    this.#size = real;
    this.#delivered = this.#taken = 0;
    this.#records = left;
    this.#deliveredRecords = this.#takenRecords = 0;
    if (info === undefined) this.#dirMade = false;
    if (real > 0 && fileSystem!.tail(this.path, 1)[0] !== NEWLINE) {
      // Cut mid-line: end that piece, so it is skipped as unreadable and the next record starts a line of its own.
      fileSystem!.appendFile(this.path, encoder.encode("\n"));
      this.#size++;
    }
    return Math.max(0, waiting - left);
  }

  /** The holder's batch is delivered (or given up); removes the file when all is. */
  commit(owner: object): void {
    if (this.#holder !== owner) return;
    this.#delivered = this.#taken;
    this.#deliveredRecords += this.#takenRecords;
    this.#takenRecords = 0;
    try {
      if (this.#delivered >= this.#size) {
        fileSystem!.remove(this.path);
        this.#size = this.#delivered = this.#taken = 0;
        this.#records = this.#deliveredRecords = 0;
      }
    } catch {
      // The file stays; the offsets still say everything in it is delivered.
    } finally {
      this.#unlock();
    }
  }

  /** The holder's batch was not delivered: it is taken again next time. */
  putBack(owner: object): void {
    if (this.#holder !== owner) return;
    this.#taken = this.#delivered;
    this.#takenRecords = 0;
    this.#unlock();
  }

  /**
   * The backend stops using the spool; the last one out closes it. Records
   * still waiting are left to the others, which are told so now, whether
   * or not the one leaving was replaying.
   */
  detach(owner: object): void {
    if (this.#holder === owner) {
      this.#taken = this.#delivered;
      this.#takenRecords = 0;
      this.#holder = undefined;
    }
    this.#members.delete(owner);
    if (this.#members.size === 0) {
      if (Spool.#open.get(this.#key) === this) Spool.#open.delete(this.#key);
      return;
    }
    this.#wakeMembers(owner);
  }

  /** Frees the lock; while records wait, the other backends get a turn. */
  #unlock(): void {
    const holder = this.#holder;
    this.#holder = undefined;
    this.#wakeMembers(holder);
  }

  /** Tells every member but `except` that the spool waits, unlocked. */
  #wakeMembers(except: object | undefined): void {
    if (this.#holder !== undefined || !this.pending) return;
    for (const [member, wake] of this.#members) if (member !== except) wake();
  }
}

function readPem(key: string, path: string): string {
  const blocker = writeBlocker(path);
  if (blocker !== undefined && !/write/.test(blocker)) {
    throw new LoggerConfigurationError(`Cannot read ${key} ${JSON.stringify(path)}: ${blocker}`, {
      details: { key, path },
    });
  }
  try {
    return decoder.decode(fileSystem!.readFile(path));
  } catch (e) {
    throw new LoggerConfigurationError(`Cannot read ${key} ${JSON.stringify(path)}: ${describeError(e)}`, {
      details: { key, path },
      suggestions: [`"${key}" is the path of a PEM file`],
      cause: e,
    });
  }
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Sends records to an HTTP endpoint in batches: `batchSize` records or
 * `batchTimeout` seconds, whichever comes first, one request in flight by
 * default so the receiver sees them in order. Network errors, timeouts, 408,
 * 429 and 5xx are retried with exponential backoff and jitter (honouring
 * `Retry-After`); each batch carries an `Idempotency-Key` that stays the same
 * across its retries. At most `maxQueueSize` records are held; with
 * `fallbackToFile`, batches that exhaust their retries and queue overflow go
 * to an NDJSON spool that is replayed first, in order, once the endpoint
 * answers again. Delivery is at least once.
 *
 * Bodies: `payloadFormat` `"jinpy"` (the Python edition's), `"ndjson"`,
 * `"loki"`, `"otlp"`, `"elasticsearch"`; optionally gzip (`compression`) and
 * AES-256-GCM encrypted (`encryptPayload` + `encryptionKey`, read with
 * `decryptPayload`). TLS: `caCert`, `clientCert` + `clientKey` (mTLS),
 * `verifySsl`.
 *
 * @example
 * ```ts
 * import { getLogger, LogLevel } from "@jinpy/logger";
 *
 * const logger = getLogger("api_app", {
 *   backends: [{
 *     type: "rest_api",
 *     level: LogLevel.ERROR,
 *     endpoint: "https://logs.example.com/api/v1/logs",
 *     headers: { Authorization: "Bearer YOUR_TOKEN", "Content-Type": "application/json" },
 *     timeoutSeconds: 30,
 *     retryCount: 3,
 *     batchSize: 50,
 *     batchTimeout: 10.0,
 *   }],
 * });
 * logger.error("This error will be sent to the REST API");
 * await logger.shutdown();
 * ```
 */
export class RestApiBackend extends BaseBackend {
  #url: string;
  #safeUrl: string;
  #method: string;
  #headers: Record<string, string>;
  #client: HttpClient;
  #queue: BoundedQueue<string>;
  #batchSize: number;
  #batchTimeoutMs: number;
  #timeoutMs: number;
  #retryCount: number;
  #backoff: BackoffOptions;
  #concurrency: number;
  #format: PayloadFormat;
  #labels: Record<string, string>;
  #service: ServiceIdentity;
  #index: string;
  #compression: boolean;
  #encryptionKey: string | undefined;
  #shutdownTimeoutMs: number;
  #spool: Spool | undefined;

  /** Records ever queued; a record's sequence number is its position in this count. */
  #seqIn = 0;
  /** Records evicted from a full queue, waiting to be spooled (off the logging path). */
  #overflow: string[] = [];
  #overflowFirstSeq = 0;
  #overflowScheduled = false;
  #inflight = new Set<Batch>();
  #workers = 0;
  #kickScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = false;
  #flushTarget = 0;
  #waiters: { target: number; resolve: () => void }[] = [];
  #spoolBusy = false;
  #pausedUntil = 0;
  /** After an unexpected error no worker starts before this time. */
  #faultUntil = 0;
  #failStreak = 0;
  #abort = new AbortController();
  #sleepers = new Set<() => void>();
  #idle: (() => void)[] = [];
  #closed = false;
  #stopped = false;
  #draining = false;
  #closing: Promise<void> | undefined;
  #exitFlushing = false;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #spoolWaiters: (() => void)[] = [];
  #removeHooks: (() => void)[] = [];

  /**
   * Creates the backend; nothing is sent until records are logged.
   *
   * @param config A `rest_api` backend config.
   * @throws {LoggerConfigurationError} For an invalid endpoint, unreadable TLS
   *   files, or a feature this runtime cannot provide.
   */
  constructor(config: Record<string, unknown> | NormalizedBackendConfig) {
    super(config);
    const c = this.config;
    const where = `backend "${this.name}" (rest_api)`;
    let url: URL;
    try {
      ({ url, safeUrl: this.#safeUrl } = secretSafeUrl(c.endpoint as string));
    } catch {
      throw new LoggerConfigurationError(`Invalid logger configuration at ${where}: "endpoint" is not a valid URL`, {
        details: { key: "endpoint" },
        suggestions: ['e.g. "https://logs.example.com/api/v1/logs"'],
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: "endpoint" must be an http:// or https:// URL, got ${url.protocol}`,
        { details: { key: "endpoint", given: url.protocol } },
      );
    }
    if (!hasPermission("net", url.host)) {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: Deno needs --allow-net=${url.host} to send to "endpoint"`,
        { details: { key: "endpoint", host: url.host } },
      );
    }
    this.#method = c.method as string;
    this.#headers = { ...(c.headers as Record<string, string>) };
    if (url.username !== "" || url.password !== "") {
      // fetch refuses URLs with credentials: send them as Basic auth instead.
      const basic = "Basic " + btoa(decodeURIComponent(url.username) + ":" + decodeURIComponent(url.password));
      if (!Object.keys(this.#headers).some((h) => h.toLowerCase() === "authorization")) {
        this.#headers.Authorization = basic;
      }
      registerSecret(basic);
      url.username = url.password = "";
    }
    this.#url = url.href;
    for (const v of Object.values(this.#headers)) registerSecret(v);
    this.#encryptionKey = c.encryptPayload === true ? c.encryptionKey as string | undefined : undefined;
    registerSecret(c.encryptionKey);
    if (c.encryptPayload === true && (typeof this.#encryptionKey !== "string" || this.#encryptionKey === "")) {
      throw new LoggerConfigurationError(
        `Invalid logger configuration at ${where}: "encryptPayload" needs "encryptionKey"`,
        {
          details: { key: "encryptionKey" },
          suggestions: ["Give a passphrase shared with the receiver, which reads bodies with decryptPayload"],
        },
      );
    }
    if (c.encryptPayload === true && globalThis.crypto?.subtle === undefined) {
      throw new LoggerConfigurationError(`"encryptPayload" needs Web Crypto, which this runtime lacks`, {
        details: { key: "encryptPayload" },
      });
    }
    this.#compression = c.compression === true;
    if (this.#compression && typeof CompressionStream === "undefined") {
      throw new LoggerConfigurationError(`"compression" needs CompressionStream, which this runtime lacks`, {
        details: { key: "compression" },
      });
    }
    this.#client = createHttpClient(url, this.#tlsSettings(where));
    if (c.verifySsl === false && url.protocol === "https:") {
      reportOnce(
        `${this.name}:verifySsl`,
        `${this.name} backend: TLS certificate verification is OFF for ${url.origin} (verifySsl: false); use caCert to trust a private CA instead`,
      );
    }
    this.#batchSize = c.batchSize as number;
    this.#batchTimeoutMs = (c.batchTimeout as number) * 1000;
    this.#timeoutMs = (c.timeoutSeconds as number) * 1000;
    this.#retryCount = c.retryCount as number;
    this.#backoff = {
      baseDelay: c.retryBaseDelay as number,
      factor: c.retryBackoffFactor as number,
      maxDelay: c.retryMaxDelay as number,
      jitter: c.retryJitter !== false,
    };
    this.#concurrency = c.concurrency as number;
    this.#format = c.payloadFormat as PayloadFormat;
    this.#labels = { ...(c.labels as Record<string, string>) };
    this.#service = {
      appName: c.appName as string | undefined,
      environment: c.environment as string | undefined,
      version: c.version as string | undefined,
    };
    this.#index = c.index as string;
    this.#shutdownTimeoutMs = (c.shutdownTimeout as number) * 1000;
    this.#queue = new BoundedQueue<string>(c.maxQueueSize as number);
    if (c.fallbackToFile === true) {
      const path = c.fallbackFile as string;
      const blocker = writeBlocker(path);
      if (blocker !== undefined) {
        throw new LoggerConfigurationError(
          `Invalid logger configuration at ${where}: "fallbackToFile" cannot write ${JSON.stringify(path)}: ${blocker}`,
          { details: { key: "fallbackFile", path } },
        );
      }
      const target = this.#targetFingerprint();
      if (Spool.sharedElsewhere(path, target)) {
        this.#client.close();
        const own = path.replace(/(\.[^./\\]*)?$/, (ext) => `_${this.name.replace(/[^\w.-]+/g, "_")}${ext}`);
        throw new LoggerConfigurationError(
          `Invalid logger configuration at ${where}: "fallbackFile" ${
            JSON.stringify(path)
          } is already the spool of a backend that delivers elsewhere (another endpoint, method, headers, payloadFormat, encryption or compression); sharing it would send that backend's records here, and this one's there`,
          {
            details: { key: "fallbackFile", path },
            suggestions: [`Give this backend its own "fallbackFile", e.g. ${JSON.stringify(own)}`],
          },
        );
      }
      try {
        this.#spool = Spool.acquire(path, target, this, () => this.#kick());
      } catch (e) {
        throw new LoggerConfigurationError(`Cannot open the spool ${JSON.stringify(path)}: ${describeError(e)}`, {
          details: { key: "fallbackFile", path },
          cause: e,
        });
      }
    }
    Object.assign(this.stats, { batchesSent: 0, retries: 0, spooled: 0, replayed: 0 });
    this.#removeHooks.push(onBeforeExit(() => this.#deliverBeforeExit()), onExit(() => this.#saveAtExit()));
    // A spool left by an earlier run is replayed now, not only when the next record comes.
    if (this.#spool?.pending) this.#kick();
  }

  /**
   * What a record spooled by this backend would be delivered to, and how:
   * a backend replaying the spool sends it with its own settings, so only
   * backends where all of these are equal may share one.
   */
  #targetFingerprint(): string {
    const headers = Object.entries(this.#headers)
      .map(([k, v]) => `${k.toLowerCase()}\n${v}`)
      .sort();
    const labels = Object.entries(this.#labels).map(([k, v]) => `${k}\n${v}`).sort();
    return targetFingerprint([
      this.#url,
      this.#method.toUpperCase(),
      this.#format,
      this.#compression ? "gzip" : "",
      this.#encryptionKey === undefined ? "plain" : "aes-gcm",
      this.#encryptionKey ?? "",
      this.#index,
      ...labels,
      "",
      ...headers,
    ]);
  }

  #tlsSettings(where: string): TlsSettings {
    const c = this.config;
    const tls: TlsSettings = { verify: c.verifySsl !== false };
    const paths = [c.caCert, c.clientCert, c.clientKey].filter((p) => typeof p === "string");
    if (paths.length > 0 && fileSystem === undefined) {
      throw new LoggerConfigurationError(`caCert/clientCert/clientKey need a file system, which this runtime lacks`, {
        details: { key: "caCert" },
      });
    }
    if (typeof c.caCert === "string") tls.ca = readPem("caCert", c.caCert);
    if (typeof c.clientCert === "string") {
      tls.cert = readPem("clientCert", c.clientCert);
      if (typeof c.clientKey === "string") tls.key = readPem("clientKey", c.clientKey);
      else if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.cert)) tls.key = tls.cert;
      else {
        throw new LoggerConfigurationError(`Invalid logger configuration at ${where}: "clientCert" needs "clientKey"`, {
          details: { key: "clientKey" },
          suggestions: ["Give the client's private key (PEM) as clientKey, or a clientCert PEM that holds both"],
        });
      }
      registerSecret(tls.key);
    } else if (typeof c.clientKey === "string") {
      throw new LoggerConfigurationError(`Invalid logger configuration at ${where}: "clientKey" needs "clientCert"`, {
        details: { key: "clientCert" },
      });
    }
    return tls;
  }

  /** Queues one record; never waits on I/O. */
  override handle(entry: LogEntry): void {
    if (!this.shouldHandle(entry)) return;
    if (this.#closed) {
      this.recordDrop(1, "logged after shutdown");
      return;
    }
    const line = entry.toJson();
    const headSeq = this.#seqIn - this.#queue.size;
    const evicted = this.#queue.push(line);
    this.#seqIn++;
    if (evicted !== undefined) this.#overflowed(evicted, headSeq);
    if (this.#queue.size >= this.#batchSize) this.#kick();
    else if (this.#timer === undefined && !this.#timerDue) this.#armTimer();
  }

  /** The oldest record was pushed out of the full queue: spool it soon, or count it dropped. */
  #overflowed(line: string, seq: number): void {
    if (this.#spool === undefined) {
      this.recordDrop(1, `queue full (maxQueueSize ${this.#queue.capacity}), oldest records dropped`);
      return;
    }
    if (this.#overflow.length >= this.#queue.capacity) {
      this.recordDrop(1, "queue full and the spool cannot keep up");
      return;
    }
    if (this.#overflow.length === 0) this.#overflowFirstSeq = seq;
    this.#overflow.push(line);
    if (!this.#overflowScheduled) {
      this.#overflowScheduled = true;
      queueMicrotask(() => this.#spillOverflow());
    }
  }

  #spillOverflow(): void {
    this.#overflowScheduled = false;
    if (this.#overflow.length === 0) return;
    // An older batch still in flight may yet need spooling: keep the file in order.
    for (const b of this.#inflight) if (b.firstSeq >= 0) return;
    const lines = this.#overflow;
    this.#overflow = [];
    this.#toSpool(lines, "queue overflow");
    // Queued records are newer still: they go behind, making room for the next burst.
    this.#toSpool(this.#queue.drain(), "queue overflow");
    this.#timerDue = false;
    this.#checkWaiters();
    // Spooled records go first, and queued ones behind them: start on that now.
    this.#kick();
  }

  /** Appends records to the spool, or counts them dropped when that fails. */
  #toSpool(lines: string[], why: string): boolean {
    if (lines.length === 0) return true;
    try {
      this.#spool!.append(lines);
      this.stats.spooled = (this.stats.spooled as number) + lines.length;
      return true;
    } catch (e) {
      this.stats.lastError = describeError(e);
      this.recordDrop(lines.length, `the spool ${this.#spool!.path} could not be written (${why})`);
      return false;
    }
  }

  /** Records leave without delivery: spooled when there is a spool, else dropped. */
  #giveUp(lines: string[], reason: string): void {
    if (lines.length === 0) return;
    if (this.#spool !== undefined) this.#toSpool(lines, reason);
    else this.recordDrop(lines.length, reason);
  }

  #armTimer(): void {
    if (this.#timer !== undefined || this.#queue.size === 0 || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = true;
      this.#startWorkers();
    }, this.#batchTimeoutMs);
    unrefTimer(this.#timer);
  }

  #kick(): void {
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    queueMicrotask(() => {
      this.#kickScheduled = false;
      this.#startWorkers();
    });
  }

  #startWorkers(): void {
    if (this.#stopped || this.#draining) return;
    if (this.#faultUntil > Date.now()) return;
    this.#spillOverflow();
    while (this.#workers < this.#concurrency && this.#hasWork()) {
      this.#workers++;
      this.#work().catch((e) => this.#workerFault(e)).finally(() => {
        this.#workers--;
        if (this.#workers === 0) { for (const done of this.#idle.splice(0)) done(); }
        this.#checkWaiters();
        if (!this.#stopped) this.#startWorkers();
      });
    }
    this.#armTimer();
  }

  #hasWork(): boolean {
    const spool = this.#spool;
    if (spool?.pending) {
      // Another backend replays the shared spool: queued records only go behind it.
      if (spool.heldByOther(this)) return this.#queue.size > 0;
      return !this.#spoolBusy;
    }
    return this.#queue.size > 0 && this.#batchReady();
  }

  #batchReady(): boolean {
    return this.#queue.size >= this.#batchSize || this.#timerDue || this.#closed ||
      this.#flushTarget > this.#seqIn - this.#queue.size;
  }

  async #work(): Promise<void> {
    while (!this.#stopped) {
      const wait = this.#pausedUntil - Date.now();
      if (wait > 0 && this.#spool?.pending) {
        await this.#sleep(wait);
        continue;
      }
      const batch = this.#nextBatch();
      if (batch === undefined) return;
      this.#inflight.add(batch);
      const outcome = await this.#deliver(batch).catch((e): Outcome => ({
        kind: "failed",
        error: e instanceof Error ? e : new Error(String(e)),
      }));
      this.#inflight.delete(batch);
      this.#settle(batch, outcome);
      this.#checkWaiters();
      if (outcome.kind === "aborted") return;
    }
  }

  #nextBatch(): Batch | undefined {
    const spool = this.#spool;
    if (spool?.pending) {
      // Spooled records are older than queued ones: queued ones go behind them.
      this.#spillOverflow();
      this.#toSpool(this.#queue.drain(), "behind spooled records");
      this.#timerDue = false;
      if (this.#spoolBusy) return undefined;
      if (!spool.claim(this)) {
        // Another backend replays it: nothing here to wait for.
        for (const done of this.#spoolWaiters.splice(0)) done();
        return undefined;
      }
      let taken: Taken;
      try {
        taken = spool.take(this, this.#batchSize);
      } catch (e) {
        this.#spoolFault(e);
        return undefined;
      }
      const { lines, lost, unreadable } = taken;
      if (lost > 0) {
        this.recordDrop(lost, `the spool ${spool.path} was deleted or truncated while records waited in it`);
      }
      if (unreadable > 0) {
        this.recordDrop(
          unreadable,
          `the spool ${spool.path} held unreadable lines (cut short or not JSON); they were skipped`,
        );
      }
      if (lines.length === 0) {
        // Nothing left to read (blank lines at most): settled, and never retried at once.
        spool.commit(this);
        if (spool.pending) this.#pausedUntil = Date.now() + backoffDelay(1, this.#backoff);
        return undefined;
      }
      this.#spoolBusy = true;
      return { lines, key: crypto.randomUUID(), firstSeq: -1 };
    }
    if (this.#queue.size === 0 || !this.#batchReady()) return undefined;
    const firstSeq = this.#seqIn - this.#queue.size;
    const lines = this.#queue.take(this.#batchSize);
    if (this.#queue.size < this.#batchSize) this.#timerDue = false;
    return { lines, key: crypto.randomUUID(), firstSeq };
  }

  /**
   * Reading the spool failed (the file changed under us, or the file system
   * refused): its records stay where they are, the lock goes to whoever is
   * next, and this backend tries again after a pause.
   */
  #spoolFault(e: unknown): void {
    const spool = this.#spool!;
    this.#spoolBusy = false;
    spool.putBack(this);
    this.recordFailure(
      new LoggerBackendError(`the spool ${spool.path} could not be read: ${describeError(e)}`, {
        code: "LOGGER_SPOOL_READ",
      }),
      0,
    );
    this.#failStreak++;
    this.#pausedUntil = Date.now() + backoffDelay(this.#failStreak, this.#backoff);
  }

  /**
   * A worker ended on an unexpected error: it is reported once, the spool is
   * left to the others, and delivery resumes after a pause rather than at
   * once (an error that repeats must not spin).
   */
  #workerFault(e: unknown): void {
    reportOnce(
      `${this.name}:worker`,
      `${this.name} backend: delivery stopped by an unexpected error, resuming after a pause: ${describeError(e)}`,
    );
    this.stats.lastError = describeError(e);
    this.#spoolBusy = false;
    this.#spool?.putBack(this);
    this.#failStreak++;
    const pause = backoffDelay(this.#failStreak, this.#backoff);
    this.#faultUntil = Date.now() + pause;
    const id = setTimeout(() => {
      this.#faultUntil = 0;
      this.#startWorkers();
    }, pause);
    unrefTimer(id);
  }

  #settle(batch: Batch, outcome: Outcome): void {
    this.#record(batch, outcome);
    this.#spillOverflow();
    if (outcome.kind === "failed" && this.#spool !== undefined) {
      // The endpoint is down: what is queued goes behind the spooled batch.
      this.#toSpool(this.#queue.drain(), "endpoint unreachable");
      this.#timerDue = false;
    }
    if (this.#spoolWaiters.length > 0 && (!this.#spool?.pending || outcome.kind !== "sent")) {
      for (const done of this.#spoolWaiters.splice(0)) done();
    }
  }

  #record(batch: Batch, outcome: Outcome): void {
    const n = batch.lines.length;
    const replay = batch.firstSeq < 0;
    if (replay) this.#spoolBusy = false;
    switch (outcome.kind) {
      case "sent": {
        const delivered = n - outcome.rejectedItems;
        this.stats.batchesSent = (this.stats.batchesSent as number) + 1;
        this.stats.messagesWritten += delivered;
        this.stats.bytesWritten += outcome.bytes;
        if (replay) {
          this.stats.replayed = (this.stats.replayed as number) + delivered;
          this.#spool!.commit(this);
        }
        if (outcome.rejectedItems > 0) {
          this.recordFailure(
            new LoggerBackendError(`the endpoint rejected ${outcome.rejectedItems} of ${n} records of a batch`),
            0,
            true,
          );
          this.stats.messagesDropped += outcome.rejectedItems;
        }
        this.healthy = true;
        this.#failStreak = 0;
        this.#pausedUntil = 0;
        return;
      }
      case "rejected":
        // The endpoint refused this batch for good; sending it again cannot help.
        this.recordFailure(outcome.error, 0);
        this.stats.messagesDropped += n;
        if (replay) this.#spool!.commit(this);
        return;
      case "failed":
        this.recordFailure(outcome.error, 0);
        this.#failStreak++;
        if (this.#spool !== undefined) {
          this.#pausedUntil = Date.now() + backoffDelay(this.#failStreak, this.#backoff);
        }
        if (replay) this.#spool!.putBack(this);
        else this.#giveUp(batch.lines, `undeliverable after ${this.#retryCount} retries`);
        return;
      case "aborted":
        if (replay) this.#spool!.putBack(this);
        else this.#giveUp(batch.lines, "undelivered at shutdown");
        return;
    }
  }

  #bodyOf(batch: Batch): Promise<{ bytes: Uint8Array<ArrayBuffer>; contentType: string }> {
    return batch.body ??= (async () => {
      const payload = buildPayload(batch.lines, {
        format: this.#format,
        labels: this.#labels,
        index: this.#index,
        batchKey: batch.key,
        service: this.#service,
      });
      let text = payload.body;
      let contentType = payload.contentType;
      if (this.#encryptionKey !== undefined) {
        text = await encryptPayload(typeof text === "string" ? text : binaryText(text), this.#encryptionKey);
        contentType = "application/json";
      }
      let bytes = typeof text === "string" ? encoder.encode(text) : text;
      if (this.#compression) bytes = await gzipBytes(bytes);
      return { bytes, contentType };
    })();
  }

  async #deliver(batch: Batch): Promise<Outcome> {
    const abort = this.#abort;
    let body: { bytes: Uint8Array<ArrayBuffer>; contentType: string };
    try {
      body = await this.#bodyOf(batch);
    } catch (e) {
      return { kind: "rejected", error: e instanceof Error ? e : new Error(String(e)) };
    }
    const headers: Record<string, string> = { ...this.#headers };
    const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
    if (!has("content-type") || this.#encryptionKey !== undefined || this.#format !== "jinpy") {
      for (const h of Object.keys(headers)) if (h.toLowerCase() === "content-type") delete headers[h];
      headers["Content-Type"] = body.contentType;
    }
    if (this.#compression) headers["Content-Encoding"] = "gzip";
    headers["Idempotency-Key"] = batch.key;
    for (let attempt = 0;; attempt++) {
      if (abort.signal.aborted) return { kind: "aborted" };
      let error: Error;
      let wait: number | undefined;
      const timeout = this.#timeoutMs > 0 ? AbortSignal.timeout(this.#timeoutMs) : undefined;
      try {
        const signal = timeout ? AbortSignal.any([abort.signal, timeout]) : abort.signal;
        const res = await this.#client.request(this.#url, { method: this.#method, headers, body: body.bytes, signal });
        if (res.status >= 200 && res.status < 300) {
          const rejectedItems = this.#format === "elasticsearch" ? bulkRejections(await res.text()) : 0;
          if (this.#format !== "elasticsearch") await res.discard();
          return { kind: "sent", bytes: body.bytes.length, rejectedItems };
        }
        await res.discard();
        error = new LoggerConnectionError(
          `${this.#method} ${this.#safeUrl} answered HTTP ${res.status}${res.statusText ? " " + res.statusText : ""}`,
          { code: `LOGGER_HTTP_${res.status}`, details: { status: res.status } },
        );
        if (!isRetryable(res.status)) return { kind: "rejected", error };
        wait = retryAfterMs(res.header("retry-after"));
      } catch (e) {
        if (abort.signal.aborted) return { kind: "aborted" };
        error = timeout?.aborted
          ? new LoggerConnectionError(`${this.#method} ${this.#safeUrl} timed out after ${this.#timeoutMs / 1000}s`, {
            code: "LOGGER_HTTP_TIMEOUT",
          })
          : new LoggerConnectionError(`${this.#method} ${this.#safeUrl} failed: ${describeError(e)}`, {
            code: "LOGGER_HTTP_NETWORK",
          });
      }
      if (attempt >= this.#retryCount) return { kind: "failed", error };
      this.stats.retries = (this.stats.retries as number) + 1;
      this.stats.lastError = describeError(error);
      const backoff = backoffDelay(attempt + 1, this.#backoff);
      await this.#sleep(wait === undefined ? backoff : Math.min(wait, this.#backoff.maxDelay * 1000), abort);
    }
  }

  /** Waits `ms` on an unreferenced timer; an abort ends the wait early. */
  #sleep(ms: number, abort: AbortController = this.#abort): Promise<void> {
    if (abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(id);
        this.#sleepers.delete(done);
        resolve();
      };
      const id = setTimeout(done, Math.max(0, ms));
      unrefTimer(id);
      this.#sleepers.add(done);
    });
  }

  /** Ends every request and wait in progress; their batches are spooled or dropped. */
  #abortInFlight(): void {
    const old = this.#abort;
    this.#abort = new AbortController();
    old.abort(new LoggerConnectionError("delivery stopped"));
    for (const wake of [...this.#sleepers]) wake();
  }

  /** The lowest sequence number not yet delivered, spooled or dropped. */
  #lowestUnsettled(): number {
    let low = this.#seqIn - this.#queue.size;
    for (const b of this.#inflight) if (b.firstSeq >= 0 && b.firstSeq < low) low = b.firstSeq;
    if (this.#overflow.length > 0 && this.#overflowFirstSeq < low) low = this.#overflowFirstSeq;
    return low;
  }

  #checkWaiters(): void {
    if (this.#waiters.length === 0) return;
    const low = this.#lowestUnsettled();
    const ready = this.#waiters.filter((w) => w.target <= low);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.target > low);
    if (this.#waiters.length === 0) this.#releaseProcess();
    for (const w of ready) w.resolve();
  }

  /**
   * Timers are unreferenced so an idle backend never holds the process open;
   * while someone awaits `flush()`, this interval does, until it resolves.
   */
  #holdProcess(): void {
    if (this.#keepAlive === undefined) this.#keepAlive = setInterval(() => {}, 1_000_000_000);
  }

  #releaseProcess(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  /** Whether records that exist only in memory wait for delivery. */
  #hasLiveWork(): boolean {
    return this.#lowestUnsettled() < this.#seqIn;
  }

  /**
   * Resolves when every record queued so far is delivered, spooled, or
   * (after exhausting its retries without a spool) counted as dropped.
   */
  override flush(): Promise<void> {
    this.#spillOverflow();
    if (this.#spool?.pending && this.#pausedUntil > Date.now()) {
      // The endpoint is down: queued records join the spool rather than wait.
      this.#toSpool(this.#queue.drain(), "endpoint unreachable");
      this.#timerDue = false;
    }
    const target = this.#seqIn;
    if (this.#lowestUnsettled() >= target) return Promise.resolve();
    if (target > this.#flushTarget) this.#flushTarget = target;
    const done = new Promise<void>((resolve) => this.#waiters.push({ target, resolve }));
    this.#holdProcess();
    this.#startWorkers();
    return done;
  }

  /**
   * Delivers what is queued within `shutdownTimeout` seconds, then stops:
   * what is still undelivered goes to the spool (or is counted dropped),
   * timers stop and connections close. Idempotent.
   */
  override shutdown(): Promise<void> {
    return this.#closing ??= this.#close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + this.#shutdownTimeoutMs;
    await this.#withDeadline(this.flush(), this.#shutdownTimeoutMs);
    if (this.#spool?.pending && !this.#spool.heldByOther(this) && this.#pausedUntil <= Date.now()) {
      // The endpoint answers: let the replay finish rather than leave delivered records in the spool.
      this.#holdProcess();
      this.#startWorkers();
      await this.#withDeadline(
        new Promise<void>((resolve) => this.#spoolWaiters.push(resolve)),
        Math.max(0, deadline - Date.now()),
      );
    }
    this.#stopped = true;
    await this.#drainNow("undelivered at shutdown");
    // Other backends on the same file carry on with it.
    this.#spool?.detach(this);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const remove of this.#removeHooks.splice(0)) remove();
    for (const w of this.#waiters.splice(0)) w.resolve();
    for (const done of this.#spoolWaiters.splice(0)) done();
    this.#releaseProcess();
    this.#client.close();
  }

  /** Stops deliveries in progress and spools (or drops) everything still in memory, in order. */
  async #drainNow(reason: string): Promise<void> {
    this.#draining = true;
    try {
      this.#abortInFlight();
      if (this.#workers > 0) {
        await this.#withDeadline(new Promise<void>((resolve) => this.#idle.push(resolve)), 1000);
      }
      const rest = [...this.#overflow.splice(0), ...this.#queue.drain()];
      this.#giveUp(rest, reason);
      this.#timerDue = false;
      // Nothing is left to wait for, even if a request ignored its abort.
      for (const w of this.#waiters.splice(0)) w.resolve();
      this.#releaseProcess();
    } finally {
      this.#draining = false;
    }
  }

  /** Resolves when `p` does or after `ms`, whichever is first. */
  async #withDeadline(p: Promise<void>, ms: number): Promise<void> {
    let id: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      id = setTimeout(resolve, ms);
      unrefTimer(id);
    });
    try {
      await Promise.race([p, deadline]);
    } finally {
      clearTimeout(id);
    }
  }

  /** The event loop is emptying with records still in memory: keep it alive to deliver them. */
  async #deliverBeforeExit(): Promise<void> {
    if (this.#exitFlushing || this.#closed || !this.#hasLiveWork()) return;
    this.#exitFlushing = true;
    try {
      // flush() holds the process open until it resolves.
      await this.#withDeadline(this.flush(), this.#shutdownTimeoutMs);
      if (this.#hasLiveWork()) await this.#drainNow("undelivered at exit");
    } finally {
      this.#exitFlushing = false;
    }
  }

  /** The process exits now: spool what is still in memory, synchronously. */
  #saveAtExit(): void {
    if (!this.#hasLiveWork()) return;
    const lines: string[] = [];
    for (const b of this.#inflight) if (b.firstSeq >= 0) lines.push(...b.lines);
    this.#inflight.clear();
    lines.push(...this.#overflow.splice(0), ...this.#queue.drain());
    this.#giveUp(lines, "undelivered at exit");
  }

  /** Counters: batchesSent, messagesWritten, retries, messagesDropped, spooled, replayed, queued, lastError. */
  override getStats(): ReturnType<BaseBackend["getStats"]> {
    return { ...super.getStats(), queued: this.#queue.size + this.#overflow.length };
  }
}

/** Items of an Elasticsearch `_bulk` answer that failed for good (409 = already there, fine). */
function bulkRejections(text: string): number {
  try {
    const answer = JSON.parse(text) as { errors?: boolean; items?: Record<string, { status?: number }>[] };
    if (answer.errors !== true || !Array.isArray(answer.items)) return 0;
    let n = 0;
    for (const item of answer.items) {
      const result = Object.values(item)[0];
      const status = result?.status ?? 0;
      if (status >= 300 && status !== 409) n++;
    }
    return n;
  } catch {
    return 0;
  }
}
