/**
 * Settling one batch with the outcome of its attempt: counted delivered,
 * partly refused (the rest sent again), split in halves when too large,
 * retried with backoff, or given up to the spool or counted dropped; a
 * replayed batch is committed to or put back in the spool.
 */
import type { BackendStats } from "../backends/base.ts";
import { describeError } from "../report.ts";
import type { Batch, Outcome, PipelineEvents, PipelineOptions } from "./_transport.ts";

/** What settling a batch reads and changes of its pipeline. */
export interface SettleTarget {
  readonly options: PipelineOptions;
  readonly stats: BackendStats;
  readonly events: PipelineEvents;
  /** Who holds the spool. */
  readonly me: object;
  /** A new batch of `lines` (see `Batch` for `order` and `span`). */
  newBatch(lines: string[], firstSeq: number, spooled: boolean, order: number, span: number): Batch;
  /** Queues a batch to be sent again, in logging order. */
  retry(batch: Batch): void;
  /** Pauses sending (`after` ms when the receiver said so); `failed` extends the failure streak. */
  backoff(after: number | undefined, failed: boolean): void;
  /** Records leave memory undelivered: spooled when there is a spool, else counted dropped. */
  giveUp(lines: string[], reason: string): void;
  /** The receiver took records: the failure streak ends. */
  succeeded(): void;
  /** Notes whether the receiver answered the failed attempt at all. */
  answered(reachable: boolean): void;
  /** Failed attempts in a row. */
  streak(): number;
  /** Too many failures in a row: everything held is given up. */
  gaveUp(): void;
}

/** Applies an outcome to `batch` (undefined: aborted by shutdown). */
export function settle(batch: Batch, outcome: Outcome | undefined, p: SettleTarget): void {
  const spool = p.options.spool;
  const n = batch.count;
  if (outcome === undefined) {
    if (batch.spooled) spool!.putBack(p.me);
    else p.giveUp(batch.lines, "undelivered at shutdown");
    return;
  }
  switch (outcome.kind) {
    case "delivered":
    case "rejected": {
      const dropped = outcome.kind === "rejected" ? outcome.dropped : 0;
      const again = outcome.kind === "rejected" ? outcome.retry ?? [] : [];
      const refusedAll = dropped === n;
      if (!refusedAll) p.stats.batchesSent = (p.stats.batchesSent as number) + 1;
      p.stats.messagesWritten += n - dropped - again.length;
      p.stats.bytesWritten += outcome.bytes;
      if (batch.spooled) {
        p.stats.replayed = (p.stats.replayed as number) + n - dropped - again.length;
        spool!.commit(p.me);
      }
      p.succeeded();
      if (!refusedAll) p.events.delivered();
      if (outcome.kind === "rejected") {
        if (dropped > 0) {
          p.events.failure(outcome.error, !refusedAll);
          p.events.drop(dropped, "the endpoint refused them");
        }
        if (again.length > 0) {
          const part = p.newBatch(
            again.map((i) => batch.lines[i]),
            batch.firstSeq,
            false,
            batch.order,
            batch.span,
          );
          part.itemKeys = again.map((i) => batch.itemKeys?.[i] ?? `${batch.key}-${i}`);
          p.retry(part);
          p.backoff(undefined, false);
        }
      }
      return;
    }
    case "fatal":
      p.events.failure(outcome.error);
      p.events.drop(n, describeError(outcome.error));
      if (batch.spooled) spool!.commit(p.me);
      return;
    case "retry":
      break;
  }
  p.answered(outcome.reachable);
  if (outcome.tooLarge) {
    if (batch.spooled) spool!.commit(p.me);
    if (n === 1) {
      p.events.failure(outcome.error, true);
      p.events.drop(1, "a record larger than the receiver accepts");
      return;
    }
    // Split in halves, each sent on its own (down to single records).
    const half = Math.ceil(n / 2);
    const span = batch.span / 2;
    for (const [from, to, order] of [[0, half, batch.order], [half, n, batch.order + span]]) {
      const part = p.newBatch(batch.lines.slice(from, to), batch.firstSeq, false, order, span);
      if (batch.itemKeys) part.itemKeys = batch.itemKeys.slice(from, to);
      p.retry(part);
    }
    return;
  }
  p.stats.lastError = describeError(outcome.error);
  batch.attempts++;
  if (batch.spooled) {
    spool!.putBack(p.me);
    p.events.failure(outcome.error);
    p.backoff(outcome.after, true);
  } else if (batch.attempts > p.options.retryCount) {
    p.events.failure(outcome.error);
    p.giveUp(batch.lines, `undeliverable after ${p.options.retryCount} retries`);
    if (spool !== undefined) p.backoff(outcome.after, true);
  } else {
    p.stats.retries = (p.stats.retries as number) + 1;
    p.events.retrying(outcome.error);
    p.retry(batch);
    p.backoff(outcome.after, true);
  }
  const limit = p.options.giveUpAfter;
  if (limit > 0 && p.streak() > limit) p.gaveUp();
}
