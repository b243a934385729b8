import type { Lease } from "../../lease/lease.ts";
import type { Task } from "../../task/task.ts";
import type { SqlDriver } from "../driver.ts";
import { type LeaseRow, leaseFromRow } from "../rows.ts";

/**
 * In-progress tasks whose lease has run out but that no sweep has ended yet. Reads show them as the
 * sweep will leave them (todo, one version on); the next write persists that with real events.
 */
export const STALE = `SELECT l.task_id AS id, l.expires_at AS at FROM leases l JOIN tasks s ON s.id = l.task_id
  WHERE l.expires_at <= ? AND s.status = 'in_progress'`;

/** A lease row's columns, named (a statement prepared once keeps its shape when a later schema adds one). */
export const LEASE_COLUMNS = "task_id, agent, session, token, acquired_at, expires_at";

/** A task's lease row (live, or expired but not yet swept). */
export const LEASE_OF_TASK = `SELECT ${LEASE_COLUMNS} FROM leases WHERE task_id = ?`;

/** A task as the sweep of its expired lease will leave it (see decideSweep and evolveTask). */
export function asSwept(task: Task, expiredAt: number): Task {
  return { ...task, status: "todo", version: task.version + 1, updatedAt: expiredAt };
}

/** Reads of the leases projection, and of the leases that have run out but no sweep has ended yet. */
export function createLeaseQueries(db: SqlDriver) {
  return {
    /** Expired, unswept leases of in-progress tasks: task id → when the lease ran out. */
    staleLeases(now: number): Map<string, number> {
      return new Map(
        db
          .prepare<{ id: string; at: number }>(STALE)
          .all(now)
          .map((r) => [r.id, r.at]),
      );
    },

    /** The soonest expiry after `now` among leases (when a read may next change without a write). */
    nextLeaseExpiry(now: number): number | undefined {
      return (
        db.prepare<{ at: number | null }>("SELECT min(expires_at) AS at FROM leases WHERE expires_at > ?").get(now)
          ?.at ?? undefined
      );
    },

    /** The lease row of a task (live or expired but not yet swept). */
    lease(taskId: string): Lease | undefined {
      const row = db.prepare<LeaseRow>(LEASE_OF_TASK).get(taskId);
      return row && leaseFromRow(row);
    },

    /** Every lease row, soonest expiry first. */
    leases(): Lease[] {
      return db.prepare<LeaseRow>("SELECT * FROM leases ORDER BY expires_at, task_id").all().map(leaseFromRow);
    },

    /** Leases whose expiry has passed and that no event has ended yet. */
    expiredLeases(now: number): Lease[] {
      return db
        .prepare<LeaseRow>("SELECT * FROM leases WHERE expires_at <= ? ORDER BY expires_at")
        .all(now)
        .map(leaseFromRow);
    },

    /** The soonest expiry among all lease rows, passed or not (undefined: no lease). */
    earliestLeaseExpiry(): number | undefined {
      return db.prepare<{ at: number | null }>("SELECT min(expires_at) AS at FROM leases").get()?.at ?? undefined;
    },

    hasExpiredLeases(now: number): boolean {
      return db.prepare("SELECT 1 AS x FROM leases WHERE expires_at <= ? LIMIT 1").get(now) !== undefined;
    },
  };
}

export type LeaseQueries = ReturnType<typeof createLeaseQueries>;
