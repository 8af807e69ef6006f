/**
 * Chunks of whole lines, and what becomes of their records: counting a
 * chunk's lines, crediting those finished on the target before a hard
 * error, and keeping exactly the rest of a line begun, so that it is
 * completed later and never torn.
 */

const NEWLINE = 10;

/** Who is told what became of the records of a chunk. */
export interface WriteOwner {
  /** `records` records (their last byte) and `bytes` bytes reached the target. */
  written(records: number, bytes: number): void;
  /** `records` records were lost to `error` (0 when only the error is news). */
  failed(records: number, error: unknown): void;
}

/** Encoded whole lines of one owner, queued; `offset` bytes of them are on the target. */
export interface Chunk {
  bytes: Uint8Array;
  offset: number;
  records: number;
  owner: WriteOwner;
  /** The bytes belong to the caller (a reused buffer): copy before keeping them. */
  borrowed: boolean;
  seq: number;
}

/** How many line ends `bytes` has from `from` up to (not including) `to`. */
export function countNewlines(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE, from); i >= 0 && i < to; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * Counts the lines of `head` whose last byte is on the target as written,
 * and takes them off its records. Returns their length in bytes.
 */
export function creditFinished(head: Chunk): number {
  const lastNl = head.bytes.lastIndexOf(NEWLINE, head.offset - 1);
  const done = lastNl < 0 ? 0 : countNewlines(head.bytes, 0, lastNl + 1);
  if (done > 0) head.owner.written(done, lastNl + 1);
  head.records -= done;
  return lastNl + 1;
}

/**
 * The rest of the line begun in `head` after its `finished` bytes: one
 * record, in `head`'s place, with the bytes already on the target counted
 * in its offset.
 */
export function restOfLine(head: Chunk, finished: number): Chunk {
  const end = head.bytes.indexOf(NEWLINE, head.offset);
  const lineEnd = end < 0 ? head.bytes.length : end + 1;
  return {
    bytes: head.bytes.slice(finished, lineEnd),
    offset: head.offset - finished,
    records: 1,
    owner: head.owner,
    borrowed: false,
    seq: head.seq,
  };
}
