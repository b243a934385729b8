import type { StoredEvent } from "../event/catalog.ts";
import type { Status } from "../task/task.ts";

/** A status move as the log recorded it. */
export type Move = { seq: number; time: number; to: Status };

/** What one task's events (its stream, log order) say about it up to a point of the log. */
export type TaskHistory = {
  title: string | null;
  estimate: number | null;
  /** Its status then; null when it did not exist yet, or had been deleted. */
  status: Status | null;
  /** The last move to done, and the first move to in progress of the work that move finished. */
  lastDone: Move | null;
  cycleStart: Move | null;
  /** The reason given with the last move to blocked. */
  blockedReason: string | null;
};

/**
 * Folds a task's events with seq ≤ `until`. A cycle of work starts at the first move to in progress
 * after the task was last finished (done or cancelled), and ends at the next move to done; moves
 * back to todo in between (a lease that ran out, a denial) do not restart it.
 */
export function taskHistory(events: readonly StoredEvent[], until = Number.POSITIVE_INFINITY): TaskHistory {
  const h: TaskHistory = {
    title: null,
    estimate: null,
    status: null,
    lastDone: null,
    cycleStart: null,
    blockedReason: null,
  };
  let started: Move | null = null;
  for (const e of events) {
    if (e.seq > until) break;
    if (e.type === "task.created") {
      h.title = e.payload.task.title;
      h.estimate = e.payload.task.estimate;
      h.status = e.payload.task.status;
    } else if (e.type === "task.edited") {
      if (e.payload.changes.title !== undefined) h.title = e.payload.changes.title;
      if (e.payload.changes.estimate !== undefined) h.estimate = e.payload.changes.estimate;
    } else if (e.type === "task.deleted") {
      h.status = null;
    } else if (e.type === "task.status_changed") {
      const move: Move = { seq: e.seq, time: e.time, to: e.payload.to };
      h.status = move.to;
      if (move.to === "in_progress" && started === null) started = move;
      if (move.to === "blocked") h.blockedReason = e.payload.reason ?? null;
      if (move.to === "done") {
        h.lastDone = move;
        h.cycleStart = started;
      }
      if (move.to === "done" || move.to === "cancelled") started = null;
    }
  }
  return h;
}

/** When the lease with fencing token `token` was last renewed, from the task's events; null when never. */
export function lastRenewal(events: readonly StoredEvent[], token: number): number | null {
  let at: number | null = null;
  for (const e of events) if (e.type === "lease.renewed" && e.payload.token === token) at = e.time;
  return at;
}
