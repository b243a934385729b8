// The envelope of an event (every field around its payload) defined once: its schema and type, the
// function that seals a new event at its place in the log, and the mapping between an event and the
// row the log stores. Everything else that needs these fields goes through here.
import { InvalidInput, StorageError } from "../errors-catalog.ts";
import { lazy, unwrapLazy, z } from "../kernel/zod.ts";
import { eventPayloads, eventSubject, type NewEvent, type StoredEvent } from "./catalog.ts";
import { hashEvent } from "./hash.ts";

/** Where an event sits in the log, who recorded it, and its link in the hash chain. */
export const EventEnvelope = lazy(() =>
  z.object({
    seq: z.number().int().min(1),
    time: z.number().int(),
    actor: z.string(),
    session: z.string().nullable(),
    origin: z.string(),
    /** Seq of the first event of the command this event belongs to. */
    command: z.number().int().min(1),
    /** The command this event's command undid, if it is an undo. */
    undoes: z.number().int().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  }),
);
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** Who and where a command comes from; recorded on each of its events. */
export type CommandMeta = Pick<EventEnvelope, "actor" | "session" | "origin" | "time">;

/** Where the next event goes in the log. */
export type LogPosition = Pick<EventEnvelope, "seq" | "prevHash" | "command" | "undoes">;

/** An event as the log stores it: the envelope flat, with its stream, and the payload as JSON text. */
export type EventRow = Omit<EventEnvelope, "prevHash"> & {
  type: string;
  stream: string;
  payload: string;
  prev_hash: string;
};

/** A new event sealed at its position: as callers see it, and as the log stores it. */
export type SealedEvent = { event: StoredEvent; row: EventRow };

/** Validates a new event against its schema and seals it at `at`: envelope filled in, hash chained. */
export function sealEvent(event: NewEvent, at: LogPosition, meta: CommandMeta): SealedEvent {
  const parsed = unwrapLazy(eventPayloads[event.type]).safeParse(event.payload);
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
  const row = eventToRow(stored);
  stored.hash = row.hash = hashEvent(at.prevHash, row);
  return { event: stored, row };
}

/**
 * The payload of a stored event. One that is not JSON is a damaged database, not a bug: it is
 * reported as a StorageError naming the event (exit 3), and `exarp doctor` names it too.
 */
export function eventPayload(r: Pick<EventRow, "seq" | "payload">): unknown {
  try {
    return JSON.parse(r.payload);
  } catch {
    throw new StorageError({
      path: "the event log",
      reason: `event #${r.seq} is damaged (its payload is not JSON); run \`exarp doctor\``,
    });
  }
}

export function eventFromRow(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    type: r.type,
    payload: eventPayload(r),
    time: r.time,
    actor: r.actor,
    session: r.session,
    origin: r.origin,
    command: r.command,
    undoes: r.undoes,
    prevHash: r.prev_hash,
    hash: r.hash,
  } as StoredEvent;
}

export function eventToRow(e: StoredEvent): EventRow {
  return {
    seq: e.seq,
    type: e.type,
    stream: eventSubject(e),
    time: e.time,
    actor: e.actor,
    session: e.session,
    origin: e.origin,
    command: e.command,
    undoes: e.undoes,
    payload: JSON.stringify(e.payload),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/** The event with its fields in log order (type and payload in their place), as export files write it. */
export function inLogOrder(e: StoredEvent) {
  return {
    seq: e.seq,
    type: e.type,
    time: e.time,
    actor: e.actor,
    session: e.session,
    origin: e.origin,
    command: e.command,
    undoes: e.undoes,
    payload: e.payload,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
