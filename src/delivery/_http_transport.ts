/**
 * The REST transport: one batch = one request over the runtime's HTTP
 * client. Maps answers to outcomes: 2xx delivered (per item for an
 * Elasticsearch `_bulk` answer, `partial_success` for OTLP), 408/429/5xx and
 * network errors retried (`Retry-After` honoured), 413 split, the rest
 * refused for good. Answers are read bounded.
 */
import type { PayloadFormat } from "../config/config.ts";
import { encryptBytes } from "../crypto.ts";
import { LoggerConnectionError } from "../errors.ts";
import { gzipBytes } from "../gzip.ts";
import { buildPayload, buildPayloadFromNdjson, type ServiceIdentity } from "../payload.ts";
import { describeError } from "../report.ts";
import { retryAfterMs } from "../retry.ts";
import type { HttpClient } from "../runtime/http.ts";
import type { Batch, Outcome, Transport } from "./_transport.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the REST transport needs to know. */
export interface HttpTransportOptions {
  url: string;
  /** The URL without secrets, for messages. */
  safeUrl: string;
  method: string;
  headers: Record<string, string>;
  client: HttpClient;
  timeoutMs: number;
  format: PayloadFormat;
  labels: Record<string, string>;
  index: string;
  /** The application's identity (`appName`, `environment`, `version`). */
  service?: ServiceIdentity;
  compression: boolean;
  encryptionKey: string | undefined;
}

interface Body {
  bytes: Uint8Array<ArrayBuffer>;
  contentType: string;
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Sends batches as HTTP requests. */
export class HttpTransport implements Transport {
  #o: HttpTransportOptions;
  #headers: Record<string, string>;

  constructor(options: HttpTransportOptions) {
    this.#o = options;
    const headers: Record<string, string> = { ...options.headers };
    const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
    if (!has("content-type") || options.encryptionKey !== undefined || options.format !== "jinpy") {
      for (const h of Object.keys(headers)) if (h.toLowerCase() === "content-type") delete headers[h];
    }
    // Encrypted bodies are JSON envelopes; gzip is then inside them.
    if (options.compression && options.encryptionKey === undefined) headers["Content-Encoding"] = "gzip";
    this.#headers = headers;
  }

  newKey(): string {
    return crypto.randomUUID();
  }

  /** Builds the body once per batch: payload, then gzip, then encryption. */
  #body(batch: Batch): Promise<Body> {
    return (batch.body as Promise<Body> | undefined) ?? (batch.body = (async (): Promise<Body> => {
      const o = this.#o;
      const options = {
        format: o.format,
        labels: o.labels,
        index: o.index,
        batchKey: batch.key,
        itemKeys: batch.itemKeys,
        service: o.service,
      };
      const payload = (batch.ndjson && buildPayloadFromNdjson(batch.ndjson, batch.count, options)) ??
        buildPayload(batch.lines, options);
      // An encrypted envelope carries text: a binary body (protobuf) goes in as base64.
      const body = o.format === "otlp-protobuf" && typeof payload.body !== "string" && o.encryptionKey !== undefined
        ? base64(payload.body)
        : payload.body;
      let bytes = typeof body === "string" ? encoder.encode(body) : body;
      if (o.compression) bytes = await gzipBytes(bytes);
      if (o.encryptionKey === undefined) return { bytes, contentType: payload.contentType };
      const envelope = await encryptBytes(bytes, o.encryptionKey, o.compression ? "gzip" : undefined);
      return { bytes: encoder.encode(envelope), contentType: "application/json" };
    })());
  }

  async send(batch: Batch, signal: AbortSignal): Promise<Outcome> {
    const o = this.#o;
    let body: Body;
    try {
      body = await this.#body(batch);
    } catch (e) {
      return { kind: "fatal", error: e instanceof Error ? e : new Error(String(e)) };
    }
    const headers: Record<string, string> = { ...this.#headers, "Idempotency-Key": batch.key };
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["Content-Type"] = body.contentType;
    }
    const timeout = o.timeoutMs > 0 ? AbortSignal.timeout(o.timeoutMs) : undefined;
    const readLimit = o.format === "elasticsearch" ? 1_048_576 + 4096 * batch.count : 1_048_576;
    try {
      const res = await o.client.request(o.url, {
        method: o.method,
        headers,
        body: body.bytes,
        signal: timeout ? AbortSignal.any([signal, timeout]) : signal,
        readLimit,
      });
      const status = res.status;
      if (status >= 200 && status < 300) {
        if (o.format === "elasticsearch") return bulkOutcome(await res.read(readLimit), batch, body.bytes.length);
        if (o.format === "otlp") return otlpOutcome(await res.read(readLimit), batch, body.bytes.length);
        await res.discard();
        return { kind: "delivered", bytes: body.bytes.length };
      }
      await res.discard();
      const error = new LoggerConnectionError(
        `${o.method} ${o.safeUrl} answered HTTP ${status}${res.statusText ? " " + res.statusText : ""}`,
        { code: `LOGGER_HTTP_${status}`, details: { status } },
      );
      if (status === 413) return { kind: "retry", error, reachable: true, tooLarge: true };
      if (!isRetryable(status)) return { kind: "rejected", bytes: 0, dropped: batch.count, error };
      return { kind: "retry", error, reachable: true, after: retryAfterMs(res.header("retry-after")) };
    } catch (e) {
      const error = timeout?.aborted
        ? new LoggerConnectionError(`${o.method} ${o.safeUrl} timed out after ${o.timeoutMs / 1000}s`, {
          code: "LOGGER_HTTP_TIMEOUT",
        })
        : new LoggerConnectionError(`${o.method} ${o.safeUrl} failed: ${describeError(e)}`, {
          code: "LOGGER_HTTP_NETWORK",
        });
      return { kind: "retry", error, reachable: timeout?.aborted === true };
    }
  }

  close(): Promise<void> {
    this.#o.client.close();
    return Promise.resolve();
  }
}

/**
 * An Elasticsearch `_bulk` answer, item by item: 429 and 5xx are sent
 * again, other failures (409 = already there, fine) refused for good. An
 * answer cut at the read limit or unreadable says nothing per item: the
 * batch is sent again (its `create` ids make that idempotent).
 */
function bulkOutcome(answer: { bytes: Uint8Array; complete: boolean }, batch: Batch, bytes: number): Outcome {
  let parsed: { errors?: boolean; items?: Record<string, { status?: number }>[] };
  if (answer.complete) {
    try {
      parsed = JSON.parse(decoder.decode(answer.bytes));
    } catch {
      // Not a _bulk answer at all (a proxy's "ok"): nothing to tell per item.
      return { kind: "delivered", bytes };
    }
  } else {
    return {
      kind: "retry",
      reachable: true,
      error: new LoggerConnectionError("the _bulk answer could not be read whole; the batch is sent again"),
    };
  }
  if (parsed.errors !== true || !Array.isArray(parsed.items)) return { kind: "delivered", bytes };
  let dropped = 0;
  const retry: number[] = [];
  parsed.items.forEach((item, i) => {
    const status = Object.values(item ?? {})[0]?.status ?? 0;
    if (status === 429 || status >= 500) retry.push(i);
    else if (status >= 300 && status !== 409) dropped++;
  });
  if (dropped === 0 && retry.length === 0) return { kind: "delivered", bytes };
  return {
    kind: "rejected",
    bytes,
    dropped,
    retry,
    error: new LoggerConnectionError(
      `the _bulk answer refused ${dropped} and deferred ${retry.length} of ${batch.count} records`,
    ),
  };
}

/** An OTLP answer's `partial_success`: refused records are counted and, as the spec asks, not sent again. */
function otlpOutcome(answer: { bytes: Uint8Array }, batch: Batch, bytes: number): Outcome {
  let refused = 0;
  let message = "";
  try {
    const parsed = JSON.parse(decoder.decode(answer.bytes)) as {
      partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string };
    };
    refused = Number(parsed.partialSuccess?.rejectedLogRecords ?? 0);
    message = String(parsed.partialSuccess?.errorMessage ?? "");
  } catch {
    // An empty or non-JSON answer is a full success.
  }
  if (!Number.isFinite(refused) || refused <= 0) return { kind: "delivered", bytes };
  refused = Math.min(refused, batch.count);
  return {
    kind: "rejected",
    bytes,
    dropped: refused,
    error: new LoggerConnectionError(
      `the OTLP receiver refused ${refused} of ${batch.count} records${message ? `: ${message}` : ""}`,
    ),
  };
}
