import { InvalidInput } from "../errors-catalog.ts";
import { eventPayloads, eventSubject, type NewEvent, type StoredEvent } from "../event/catalog.ts";
import { hashEvent } from "../event/hash.ts";
import type { SqlDriver } from "./driver.ts";

/** Who and where a command comes from; recorded on each of its events. */
export type CommandMeta = {
  actor: string;
  session: string | null;
  origin: string;
  time: number;
};

/** Where the next event goes in the log. */
export type LogPosition = { seq: number; prevHash: string; command: number; undoes: number | null };

const INSERT = `INSERT INTO events (seq, type, stream, time, actor, session, origin, command, undoes, payload, prev_hash, hash)
  VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`;

/** Validates a new event against its schema, chains its hash and inserts it. */
export function insertNewEvent(db: SqlDriver, event: NewEvent, at: LogPosition, meta: CommandMeta): StoredEvent {
  const parsed = eventPayloads[event.type].safeParse(event.payload);
  if (!parsed.success) {
    throw new InvalidInput({
      issues: parsed.error.issues.map((i) => `${event.type} ${i.path.join(".")}: ${i.message}`),
    });
  }
  const stored = {
    type: event.type,
    payload: parsed.data,
    seq: at.seq,
    ...meta,
    command: at.command,
    undoes: at.undoes,
    prevHash: at.prevHash,
    hash: "",
  } as StoredEvent;
  const payload = JSON.stringify(parsed.data);
  stored.hash = hashEvent(at.prevHash, { ...stored, stream: eventSubject(event), payload });
  insertStoredEvent(db, stored, payload);
  return stored;
}

/** Inserts an event exactly as given (restoring a log); the caller has checked its hash. */
export function insertStoredEvent(db: SqlDriver, e: StoredEvent, payload = JSON.stringify(e.payload)): void {
  db.prepare(INSERT).run(
    e.seq,
    e.type,
    eventSubject(e),
    e.time,
    e.actor,
    e.session,
    e.origin,
    e.command,
    e.undoes,
    payload,
    e.prevHash,
    e.hash,
  );
}
