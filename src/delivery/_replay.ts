/**
 * Taking the next batch to replay out of the spool, and counting what the
 * spool lost (deleted or truncated under it) or holds unreadable.
 */
import { describeError } from "../report.ts";
import type { Spool } from "./_spool.ts";
import type { PipelineEvents } from "./_transport.ts";

/**
 * Up to `batchSize` records of `spool` (claimed by `owner`), oldest first.
 * None when nothing readable was left (what was read is committed);
 * undefined when sending should pause: the spool could not be read, or
 * still holds records it could not hand out now.
 */
export function takeReplay(
  spool: Spool,
  owner: object,
  batchSize: number,
  events: PipelineEvents,
): string[] | undefined {
  let taken;
  try {
    taken = spool.take(owner, batchSize);
  } catch (e) {
    spool.putBack(owner);
    events.failure(new Error(`the spool ${spool.path} could not be read: ${describeError(e)}`));
    return undefined;
  }
  if (taken.lost > 0) {
    events.drop(taken.lost, `the spool ${spool.path} was deleted or truncated while records waited in it`);
  }
  if (taken.unreadable > 0) {
    events.drop(
      taken.unreadable,
      `the spool ${spool.path} held unreadable lines (cut short or not JSON); they were skipped`,
    );
  }
  if (taken.lines.length === 0) {
    spool.commit(owner);
    if (spool.pending) return undefined;
  }
  return taken.lines;
}
