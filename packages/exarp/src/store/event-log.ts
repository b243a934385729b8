import type { NewEvent, StoredEvent } from "../event/catalog.ts";
import { type CommandMeta, type EventRow, eventToRow, type LogPosition, sealEvent } from "../event/envelope.ts";
import type { SqlDriver } from "./driver.ts";

export type { CommandMeta };

const INSERT = `INSERT INTO events (seq, type, stream, time, actor, session, origin, command, undoes, payload, prev_hash, hash)
  VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`;

/** Validates a new event against its schema, chains its hash and inserts it. */
export function insertNewEvent(db: SqlDriver, event: NewEvent, at: LogPosition, meta: CommandMeta): StoredEvent {
  const sealed = sealEvent(event, at, meta);
  insertRow(db, sealed.row);
  return sealed.event;
}

/** Inserts an event exactly as given (restoring a log); the caller has checked its hash. */
export function insertStoredEvent(db: SqlDriver, e: StoredEvent): void {
  insertRow(db, eventToRow(e));
}

function insertRow(db: SqlDriver, r: EventRow): void {
  db.prepare(INSERT).run(
    r.seq,
    r.type,
    r.stream,
    r.time,
    r.actor,
    r.session,
    r.origin,
    r.command,
    r.undoes,
    r.payload,
    r.prev_hash,
    r.hash,
  );
}
