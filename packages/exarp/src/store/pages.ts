import type { EventRow } from "../event/envelope.ts";

/** Event rows after `after`, fetched a page at a time (no statement stays open between pages). */
export function* eventPages(
  q: { eventRows(after: number, limit: number): EventRow[] },
  after = 0,
  until = Number.POSITIVE_INFINITY,
  pageSize = 2000,
): Generator<EventRow> {
  for (let from = after; from < until; ) {
    const page = q.eventRows(from, pageSize);
    for (const row of page) {
      if (row.seq > until) return;
      yield row;
    }
    if (page.length < pageSize) return;
    from = (page.at(-1) as EventRow).seq;
  }
}
