/**
 * Counting and recording of reliability scenarios. Every scenario numbers
 * its records 0…sent-1 (`context.seq`), reads back what arrived, and counts
 * by sequence number: delivered (distinct), duplicates (extra copies) and
 * lost (never arrived). With `JINPY_RELIABILITY_OUT` set, each scenario
 * appends one JSON line to that file; `report.ts` turns them into a table.
 */
import { appendFileSync } from "node:fs";
import { runtime } from "../_helpers.ts";

/** Counts of one scenario, by sequence number. */
export interface Tally {
  sent: number;
  /** Distinct sequence numbers that arrived. */
  delivered: number;
  /** Copies beyond the first of any sequence number. */
  duplicates: number;
  /** Sequence numbers that never arrived. */
  lost: number;
  /** Sequence numbers that arrived out of the 0…sent-1 range (must be 0). */
  foreign: number;
  /** Whether the first copies arrived in increasing order. */
  ordered: boolean;
}

/** One line of the results file. */
export interface ScenarioResult {
  scenario: string;
  runtime: string;
  sent: number;
  delivered: number;
  duplicates: number;
  lost: number;
  result: "pass" | "fail";
  guarantee: string;
  /** Anything else worth showing (counters, timings). */
  notes?: string;
}

/** Counts `seqs` (in arrival order) against `sent` records numbered 0…sent-1. */
export function tally(sent: number, seqs: Iterable<number>): Tally {
  const seen = new Uint8Array(sent);
  let delivered = 0;
  let duplicates = 0;
  let foreign = 0;
  let ordered = true;
  let last = -1;
  for (const s of seqs) {
    if (!Number.isInteger(s) || s < 0 || s >= sent) {
      foreign++;
      continue;
    }
    if (seen[s]) {
      duplicates++;
      continue;
    }
    seen[s] = 1;
    delivered++;
    if (s < last) ordered = false;
    last = s;
  }
  return { sent, delivered, duplicates, lost: sent - delivered, foreign, ordered };
}

/** The `context.seq` of every JSON record line in `text` (other lines ignored). */
export function seqsOfLines(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const seq = (JSON.parse(line) as { context?: { seq?: unknown } }).context?.seq;
      if (typeof seq === "number") out.push(seq);
    } catch {
      out.push(-1);
    }
  }
  return out;
}

const env = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

/** Appends a result line to `JINPY_RELIABILITY_OUT`, when set. */
export function writeResult(result: ScenarioResult): void {
  const out = env.JINPY_RELIABILITY_OUT;
  if (!out) return;
  appendFileSync(out, JSON.stringify(result) + "\n");
}

/**
 * Runs the scenario's assertions on its tally and records the outcome
 * (pass when they hold, fail otherwise), then rethrows any failure.
 */
export async function recordScenario(
  scenario: string,
  t: Pick<Tally, "sent" | "delivered" | "duplicates" | "lost">,
  guarantee: string,
  check: () => void | Promise<void>,
  notes?: string,
): Promise<void> {
  let failure: unknown;
  try {
    await check();
  } catch (e) {
    failure = e;
  }
  writeResult({
    scenario,
    runtime,
    sent: t.sent,
    delivered: t.delivered,
    duplicates: t.duplicates,
    lost: t.lost,
    result: failure === undefined ? "pass" : "fail",
    guarantee,
    notes,
  });
  if (failure !== undefined) throw failure;
}

/**
 * Allowed RSS growth with a dead sink: 200 MB of runtime and garbage
 * collector slack plus four times the queue's worth of records.
 */
export function memoryBound(queue: number, recordBytes: number): number {
  return 200 * 1024 * 1024 + queue * 4 * (recordBytes + 300);
}

/** Records how many bad inputs a run tried (they reached this line without throwing into the caller). */
export function badInputResult(kind: string, cases: number, notes?: string): void {
  writeResult({
    scenario: `bad input: ${kind}`,
    runtime,
    sent: cases,
    delivered: cases,
    duplicates: 0,
    lost: 0,
    result: "pass",
    guarantee: "never throws into the caller; one record per line",
    notes,
  });
}
