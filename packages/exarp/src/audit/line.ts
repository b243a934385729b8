import type { EventRow } from "../store/rows.ts";

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
    payload: JSON.parse(row.payload),
    prev: row.prev_hash,
    hash: row.hash,
  });
}

/** The seq of an audit line, or undefined when the line is not one. */
export function lineSeq(line: string): number | undefined {
  const match = /^\{"seq":(\d+),/.exec(line);
  return match ? Number(match[1]) : undefined;
}
