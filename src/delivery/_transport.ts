/**
 * The contracts of the delivery pipeline: what it hands a transport and
 * what the transport answers, and what a backend gives it (options,
 * events). A network backend is options plus a `Transport`; batching,
 * retries, the spool, flush and shutdown are the pipeline's.
 */
import type { BackoffOptions } from "../retry.ts";
import { type Chunk, splitLines } from "./_intake.ts";
import type { Spool } from "./_spool.ts";

/**
 * One batch of records, sent as a unit; re-sent unchanged after a failure.
 * Its records are given as lines, or as NDJSON bytes (then split into lines
 * only if a transport asks for them).
 */
export class Batch {
  /** The idempotency key (`Idempotency-Key`, `batch_id`), the same for every attempt. */
  readonly key: string;
  /** How many records. */
  readonly count: number;
  /** The records as NDJSON bytes, each followed by a newline, when the batch was cut from the queue. */
  readonly ndjson: Uint8Array<ArrayBuffer> | undefined;
  /** Sequence number of the first record; -1 when `flush()` does not track it (replayed). */
  readonly firstSeq: number;
  /** Whether its records are still in the spool (replayed, not committed yet). */
  spooled: boolean;
  /** Keeps batches in logging order in the retry list: its place, and the width of the range it owns. */
  readonly order: number;
  readonly span: number;
  /** Failed attempts so far. */
  attempts = 0;
  /** Stable per-record ids (Elasticsearch `_id`) when the batch was cut from another. */
  itemKeys?: string[];
  /** The transport's cache of the encoded body. */
  body?: unknown;
  #lines: string[] | undefined;

  constructor(
    key: string,
    records: string[] | Chunk,
    firstSeq: number,
    spooled: boolean,
    order: number,
    span: number,
  ) {
    this.key = key;
    if (Array.isArray(records)) {
      this.#lines = records;
      this.count = records.length;
      this.ndjson = undefined;
    } else {
      this.count = records.count;
      this.ndjson = records.bytes;
    }
    this.firstSeq = firstSeq;
    this.spooled = spooled;
    this.order = order;
    this.span = span;
  }

  /** Records as JSON texts, oldest first (read from `ndjson` when first asked for). */
  get lines(): string[] {
    return this.#lines ??= splitLines(this.ndjson!);
  }
}

/**
 * The answer of one attempt:
 * - `delivered`: the receiver took every record;
 * - `rejected`: taken, except `dropped` records refused for good (counted),
 *   and the records at indexes `retry` that are to be sent again;
 * - `retry`: nothing taken, try again later (`after` ms if the receiver
 *   said so); `reachable` when the receiver answered at all; `tooLarge` to
 *   split the batch (HTTP 413, over the message size);
 * - `fatal`: the batch can never be delivered (counted dropped).
 */
export type Outcome =
  | { kind: "delivered"; bytes: number }
  | { kind: "rejected"; bytes: number; dropped: number; retry?: number[]; error: Error }
  | { kind: "retry"; error: Error; after?: number; reachable: boolean; tooLarge?: boolean }
  | { kind: "fatal"; error: Error };

/** Sends batches to one receiver. */
export interface Transport {
  /** A fresh batch key. */
  newKey(): string;
  /** Sends one batch; resolves with the outcome, never rejects. `signal` aborts it (shutdown). */
  send(batch: Batch, signal: AbortSignal): Promise<Outcome>;
  /** Closes connections, within `ms`. */
  close(ms: number): Promise<void>;
}

/**
 * - `idle`: nothing in flight; `sending`: batches in the window;
 * - `backoff`: paused after a failure until `#resumeAt`;
 * - `failed`: gave up after too many failures, until the cool-down ends;
 * - `draining`: shutting down, delivering what it can before the deadline;
 * - `closed`: done; records are counted dropped.
 */
export type PipelineState = "idle" | "sending" | "backoff" | "failed" | "draining" | "closed";

/** What the pipeline tells its backend. */
export interface PipelineEvents {
  /** Records left undelivered for good. */
  drop(records: number, reason: string): void;
  /** A failure worth reporting; `stayHealthy` for partial refusals. */
  failure(error: Error, stayHealthy?: boolean): void;
  /** An attempt failed and will be retried. */
  retrying(error: Error): void;
  /** A batch was delivered. */
  delivered(): void;
  /** Gave up after too many failures in a row (`text` says so). */
  gaveUp(text: string): void;
}

/** Settings of a pipeline; times in milliseconds. */
export interface PipelineOptions {
  batchSize: number;
  batchTimeoutMs: number;
  maxQueueSize: number;
  /** Longest batch in UTF-8 bytes, counting a newline after each record (Infinity for none). */
  maxBatchBytes: number;
  /** Batches in flight at once. */
  window: number;
  /** Retries of one batch before it is spooled or dropped (Infinity: until given up). */
  retryCount: number;
  backoff: BackoffOptions;
  shutdownTimeoutMs: number;
  /** Whether `flush()` returns after `shutdownTimeoutMs` at the latest. */
  boundedFlush: boolean;
  /** Failed attempts in a row after which everything is given up (0: never). */
  giveUpAfter: number;
  /** After giving up, how long new records are given up too. */
  cooldownMs: number;
  /** Why records are dropped after giving up. */
  gaveUpReason: string;
  spool?: Spool;
  /** Who holds the spool (the object the backend acquired it with). */
  spoolOwner?: object;
}
