import type { StoredEvent } from "../event/catalog.ts";
import { eventFromRow } from "../event/envelope.ts";
import { eventPages } from "../store/pages.ts";
import type { Queries } from "../store/queries/index.ts";
import { isSprintType, type SprintRecord, sprintsOf } from "./sprint.ts";

type Rows = Pick<Queries, "eventRows">;

/** Sprint events after `from`, and the last seq read: rows are paged, and only sprint rows parsed. */
function scan(q: Rows, from: number): { found: StoredEvent[]; last: number } {
  const found: StoredEvent[] = [];
  let last = from;
  for (const row of eventPages(q, from)) {
    last = row.seq;
    if (isSprintType(row.type)) found.push(eventFromRow(row));
  }
  return { found, last };
}

/**
 * The sprints in the log, found by event type. The log has no index by type, so it is read once,
 * then only past where the last read stopped: a long-lived process (server, plugin) pays for the
 * new events only. What a transaction reads is never kept (it may roll back).
 */
export function createSprintLog(store: Rows & Pick<Queries, "maxSeq">) {
  let upTo = 0;
  const events: StoredEvent[] = [];
  return {
    /** Every sprint, oldest first, as committed. */
    committed(): SprintRecord[] {
      // The log only grows; a shorter one is another log (a project restored in its place): read it again.
      if (store.maxSeq() < upTo) {
        upTo = 0;
        events.length = 0;
      }
      const { found, last } = scan(store, upTo);
      events.push(...found);
      upTo = last;
      return sprintsOf(events);
    },

    /** Every sprint as transaction `tx` sees it (its own appends included). */
    within(tx: Rows): SprintRecord[] {
      return sprintsOf([...events, ...scan(tx, upTo).found]);
    },
  };
}
