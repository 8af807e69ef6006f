/**
 * What the delivery pipeline hands a transport, and what the transport
 * answers. A network backend is options plus a `Transport`; batching,
 * retries, the spool, flush and shutdown are the pipeline's.
 */

/** One batch of records, sent as a unit; re-sent unchanged after a failure. */
export interface Batch {
  /** The idempotency key (`Idempotency-Key`, `batch_id`), the same for every attempt. */
  readonly key: string;
  /** Records as JSON texts, oldest first. */
  readonly lines: string[];
  /** Sequence number of the first record; -1 when `flush()` does not track it (replayed). */
  readonly firstSeq: number;
  /** Whether its records are still in the spool (replayed, not committed yet). */
  spooled: boolean;
  /** Keeps batches in logging order in the retry list: its place, and the width of the range it owns. */
  readonly order: number;
  readonly span: number;
  /** Failed attempts so far. */
  attempts: number;
  /** Stable per-record ids (Elasticsearch `_id`) when the batch was cut from another. */
  itemKeys?: string[];
  /** The transport's cache of the encoded body. */
  body?: unknown;
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
