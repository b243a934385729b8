import { type EventRow, eventPayload } from "../event/envelope.ts";
import { hashEvent } from "../event/hash.ts";

/**
 * One audit line per event: the stored event with an ISO time, in a fixed key order so a line can be
 * compared byte for byte with the log. grep-friendly: `grep '"type":"task.status_changed"'`.
 */
export function auditLine(row: EventRow): string {
  return JSON.stringify({
    seq: row.seq,
    at: new Date(row.time).toISOString(),
    type: row.type,
    task: row.stream,
    actor: row.actor,
    session: row.session,
    origin: row.origin,
    command: row.command,
    undoes: row.undoes,
    payload: eventPayload(row),
    prev: row.prev_hash,
    hash: row.hash,
  });
}

/** The seq of an audit line, or undefined when the line is not one. */
export function lineSeq(line: string): number | undefined {
  const match = /^\{"seq":(\d+),/.exec(line);
  return match ? Number(match[1]) : undefined;
}

const str = (v: unknown) => typeof v === "string";
const int = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v);

/**
 * The event an audit line records, when the line is a well-formed audit line whose hash matches its
 * own content (a record that could have come from a log); undefined for anything else.
 */
export function rowFromLine(line: string): EventRow | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const time = str(v.at) ? Date.parse(v.at as string) : Number.NaN;
  if (!int(v.seq) || !Number.isFinite(time) || !str(v.type) || !str(v.task) || !str(v.actor) || !str(v.origin))
    return undefined;
  if (!(v.session === null || str(v.session)) || !int(v.command) || !(v.undoes === null || int(v.undoes)))
    return undefined;
  if (!str(v.prev) || !str(v.hash) || typeof v.payload !== "object" || v.payload === null) return undefined;
  const row: EventRow = {
    seq: v.seq as number,
    type: v.type as string,
    stream: v.task as string,
    time,
    actor: v.actor as string,
    session: v.session as string | null,
    origin: v.origin as string,
    command: v.command as number,
    undoes: v.undoes as number | null,
    payload: JSON.stringify(v.payload),
    prev_hash: v.prev as string,
    hash: v.hash as string,
  };
  if (hashEvent(row.prev_hash, row) !== row.hash || auditLine(row) !== line) return undefined;
  return row;
}
