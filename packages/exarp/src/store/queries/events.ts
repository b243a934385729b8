import type { StoredEvent } from "../../event/catalog.ts";
import { type EventRow, eventFromRow } from "../../event/envelope.ts";
import { GENESIS_HASH } from "../../event/hash.ts";
import { jsonText } from "../dialect.ts";
import type { SqlDriver, SqlValue } from "../driver.ts";

/** Which events `listEvents` returns. */
export type EventFilter = { after?: number; before?: number; stream?: string; limit?: number; newestFirst?: boolean };

/** Reads of the event log: its head, single events, filtered lists, pages, and what undo and history ask of it. */
export function createEventQueries(db: SqlDriver) {
  return {
    maxSeq(): number {
      return db.prepare<{ m: number | null }>("SELECT max(seq) AS m FROM events").get()?.m ?? 0;
    },

    lastHash(): string {
      return (
        db.prepare<{ hash: string }>("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").get()?.hash ?? GENESIS_HASH
      );
    },

    event(seq: number): StoredEvent | undefined {
      const row = db.prepare<EventRow>("SELECT * FROM events WHERE seq = ?").get(seq);
      return row && eventFromRow(row);
    },

    listEvents(filter: EventFilter = {}): StoredEvent[] {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (filter.after !== undefined) {
        where.push("seq > ?");
        params.push(filter.after);
      }
      if (filter.before !== undefined) {
        where.push("seq < ?");
        params.push(filter.before);
      }
      if (filter.stream !== undefined) {
        where.push("stream = ?");
        params.push(filter.stream);
      }
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY seq ${filter.newestFirst ? "DESC" : "ASC"} ${filter.limit ? "LIMIT ?" : ""}`;
      if (filter.limit) params.push(filter.limit);
      return db
        .prepare<EventRow>(sql)
        .all(...params)
        .map(eventFromRow);
    },

    /** An event row exactly as stored. */
    eventRow(seq: number): EventRow | undefined {
      return db.prepare<EventRow>("SELECT * FROM events WHERE seq = ?").get(seq);
    },

    /**
     * Up to `limit` event rows after `after`, as stored. Callers page with it rather than hold an
     * open iterator, so a failure halfway never leaves the connection busy.
     */
    eventRows(after: number, limit: number): EventRow[] {
      return db.prepare<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?").all(after, limit);
    },

    commandEvents(command: number): StoredEvent[] {
      return db.prepare<EventRow>("SELECT * FROM events WHERE command = ? ORDER BY seq").all(command).map(eventFromRow);
    },

    /**
     * The newest command of `actor` (and session) that is neither an undo, nor already undone, nor a
     * sweep of expired leases (which ran on the way to another command).
     */
    lastUndoableCommand(actor: string, session: string | null): number | undefined {
      const sql = `SELECT command FROM events e WHERE undoes IS NULL AND actor = ? AND session IS NOT DISTINCT FROM ?
        AND seq = command AND type <> 'lease.expired'
        AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.command)
        ORDER BY seq DESC LIMIT 1`;
      return db.prepare<{ command: number }>(sql).get(actor, session)?.command;
    },

    /**
     * The first event after `afterSeq` (not undone, not an undo) that made another task depend on
     * `id` or made `id` its parent. Links that predate `afterSeq` do not count.
     */
    linkedAfter(id: string, afterSeq: number): StoredEvent | undefined {
      const sql = `SELECT * FROM events e WHERE seq > ? AND undoes IS NULL
        AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.command)
        AND ((type = 'dependency.added' AND ${jsonText(db.dialect, "payload", ["blockerId"])} = ?)
          OR (type = 'task.created' AND ${jsonText(db.dialect, "payload", ["task", "parentId"])} = ?)
          OR (type = 'task.edited' AND ${jsonText(db.dialect, "payload", ["changes", "parentId"])} = ?))
        ORDER BY seq LIMIT 1`;
      const row = db.prepare<EventRow>(sql).get(afterSeq, id, id, id);
      return row && eventFromRow(row);
    },

    /** True when some undo command already undid `command`. */
    isUndone(command: number): boolean {
      return db.prepare("SELECT 1 AS x FROM events WHERE undoes = ? LIMIT 1").get(command) !== undefined;
    },

    /**
     * The first event after `afterSeq` on one of `streams` that still counts: events of undone
     * commands and of undo commands cancel out and are skipped. So is the end of a lease (released,
     * or expired with the move back to todo the expiry made): it changes nothing an undo restores,
     * and is never undone itself, so counting it would make every earlier change undoable never again.
     */
    laterChange(streams: string[], afterSeq: number): StoredEvent | undefined {
      const sql = `SELECT * FROM events e WHERE seq > ? AND stream IN (${streams.map(() => "?").join(",")})
        AND undoes IS NULL AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.command)
        AND type NOT IN ('lease.released', 'lease.expired')
        AND NOT (type = 'task.status_changed' AND ${jsonText(db.dialect, "payload", ["to"])} = 'todo'
          AND EXISTS (SELECT 1 FROM events s WHERE s.seq = e.command AND s.type = 'lease.expired'))
        ORDER BY seq LIMIT 1`;
      const row = db.prepare<EventRow>(sql).get(afterSeq, ...streams);
      return row && eventFromRow(row);
    },
  };
}
