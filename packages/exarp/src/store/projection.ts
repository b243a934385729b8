import { eventSubject, type StoredEvent } from "../event/catalog.ts";
import { createdTask, evolveTask } from "../task/evolve.ts";
import { type Comment, isFinished, type Task } from "../task/task.ts";
import type { SqlDriver } from "./driver.ts";
import type { Queries } from "./queries/index.ts";
import { type LeaseRow, TASK_COLUMNS, taskToRow } from "./rows.ts";

/**
 * Task and lease rows as they stand in the open transaction, known without reading them: those the
 * projection wrote (and any the store put in, read under the lock), exactly as reading them back
 * would return them. `null`: the row is gone; no entry: not known. The store clears it when a
 * transaction starts and ends.
 */
export type KnownRows = { tasks: Map<string, Task | null>; leases: Map<string, LeaseRow | null> };

/**
 * Applies stored events to the projection tables. The same code runs live (inside the command's
 * transaction) and on replay, so rebuilt tables equal live ones by construction; the replay test
 * checks that nothing else sneaks in. With `known`, the rows it writes are kept there, and a task it
 * evolves is read from there when it is known (replay passes none, and reads every row back).
 */
export function createProjector(db: SqlDriver, q: Queries, known?: KnownRows) {
  const writeTask = (task: Task, previousTags: readonly string[] | undefined) => {
    db.prepare(UPSERT_TASK).run(...taskToRow(task));
    known?.tasks.set(task.id, task);
    if (previousTags && sameList(previousTags, task.tags)) return;
    db.prepare("DELETE FROM task_tags WHERE task_id = ?").run(task.id);
    for (const tag of task.tags) db.prepare("INSERT INTO task_tags (tag, task_id) VALUES (?, ?)").run(tag, task.id);
  };
  const insertDependency = (taskId: string, blockerId: string) =>
    db
      .prepare("INSERT INTO dependencies (task_id, blocker_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
      .run(taskId, blockerId);
  const insertComment = (c: Comment, seq: number) =>
    db
      .prepare("INSERT INTO comments (id, task_id, body, author, created_at, seq) VALUES (?, ?, ?, ?, ?, ?)")
      .run(c.id, c.taskId, c.body, c.author, c.createdAt, seq);
  const evolveExisting = (taskId: string, event: StoredEvent) => {
    const task = known?.tasks.has(taskId) ? (known.tasks.get(taskId) ?? undefined) : q.task(taskId);
    if (!task) throw new Error(`projection: event ${event.seq} (${event.type}) names missing task ${taskId}`);
    writeTask(evolveTask(task, event), task.tags);
  };

  const recount = (taskId: string) =>
    db.prepare(`UPDATE tasks SET open_blockers = ${OPEN_BLOCKERS} WHERE id = ?`).run(taskId);
  const recountDependents = (blockerId: string) =>
    db
      .prepare(
        `UPDATE tasks SET open_blockers = ${OPEN_BLOCKERS} WHERE id IN (SELECT task_id FROM dependencies WHERE blocker_id = ?)`,
      )
      .run(blockerId);

  const recountWaiting = (taskId: string) =>
    db.prepare(`UPDATE tasks SET open_dependents = ${OPEN_DEPENDENTS} WHERE id = ?`).run(taskId);
  const recountBlockersOf = (taskId: string) =>
    db
      .prepare(
        `UPDATE tasks SET open_dependents = ${OPEN_DEPENDENTS} WHERE id IN (SELECT blocker_id FROM dependencies WHERE task_id = ?)`,
      )
      .run(taskId);

  return function project(event: StoredEvent): void {
    // A deleted task's blockers must be known before its dependency rows go.
    const blockersBefore = event.type === "task.deleted" ? q.dependsOn(event.payload.taskId) : [];
    applyEvent(event);
    // Keep open_blockers and open_dependents exact for every event that can change either.
    switch (event.type) {
      case "task.created":
        recount(eventSubject(event));
        recountWaiting(eventSubject(event));
        recountDependents(eventSubject(event));
        return;
      case "task.deleted":
        recountDependents(event.payload.taskId);
        for (const blocker of blockersBefore) recountWaiting(blocker);
        return;
      case "task.status_changed":
        if (isFinished(event.payload.from) !== isFinished(event.payload.to)) {
          recountDependents(event.payload.taskId);
          recountBlockersOf(event.payload.taskId);
        }
        return;
      case "dependency.added":
      case "dependency.removed":
        recount(event.payload.taskId);
        recountWaiting(event.payload.blockerId);
        return;
      default:
        return;
    }
  };

  function applyEvent(event: StoredEvent): void {
    switch (event.type) {
      case "task.created": {
        writeTask(createdTask(event), undefined);
        const source = event.payload.source;
        if (source)
          db.prepare("INSERT INTO task_sources (task_id, system, foreign_id, record) VALUES (?, ?, ?, ?)").run(
            event.payload.task.id,
            source.system,
            source.id,
            source.record,
          );
        return;
      }
      case "task.edited":
      case "task.status_changed":
        evolveExisting(event.payload.taskId, event);
        return;
      case "dependency.added":
        insertDependency(event.payload.taskId, event.payload.blockerId);
        evolveExisting(event.payload.taskId, event);
        return;
      case "dependency.removed":
        db.prepare("DELETE FROM dependencies WHERE task_id = ? AND blocker_id = ?").run(
          event.payload.taskId,
          event.payload.blockerId,
        );
        evolveExisting(event.payload.taskId, event);
        return;
      case "task.deleted": {
        const id = event.payload.taskId;
        db.prepare("DELETE FROM tasks WHERE id = ?").run(id);
        known?.tasks.set(id, null);
        db.prepare("DELETE FROM task_tags WHERE task_id = ?").run(id);
        db.prepare("DELETE FROM dependencies WHERE task_id = ?").run(id);
        db.prepare("DELETE FROM comments WHERE task_id = ?").run(id);
        db.prepare("DELETE FROM task_sources WHERE task_id = ?").run(id);
        return;
      }
      case "comment.added": {
        const p = event.payload;
        const comment = {
          id: p.commentId,
          taskId: p.taskId,
          body: p.body,
          author: p.author ?? event.actor,
          createdAt: p.createdAt ?? event.time,
        };
        insertComment(comment, event.seq);
        return;
      }
      case "comment.removed":
        db.prepare("DELETE FROM comments WHERE id = ?").run(event.payload.commentId);
        return;
      case "lease.acquired": {
        const p = event.payload;
        db.prepare(
          `INSERT INTO leases (task_id, agent, session, token, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (task_id) DO UPDATE SET agent = excluded.agent, session = excluded.session,
             token = excluded.token, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
        ).run(p.taskId, p.agent, p.session, event.seq, event.time, p.expiresAt);
        known?.leases.set(p.taskId, {
          task_id: p.taskId,
          agent: p.agent,
          session: p.session,
          token: event.seq,
          acquired_at: event.time,
          expires_at: p.expiresAt,
        });
        return;
      }
      case "lease.renewed": {
        const { taskId, token, expiresAt } = event.payload;
        db.prepare("UPDATE leases SET expires_at = ? WHERE task_id = ? AND token = ?").run(expiresAt, taskId, token);
        const row = known?.leases.get(taskId);
        if (row?.token === token) known?.leases.set(taskId, { ...row, expires_at: expiresAt });
        return;
      }
      case "lease.released":
      case "lease.expired": {
        const { taskId, token } = event.payload;
        db.prepare("DELETE FROM leases WHERE task_id = ? AND token = ?").run(taskId, token);
        // Known to be gone only when the row known was this lease's; an unknown row stays unknown.
        if (known?.leases.get(taskId)?.token === token) known.leases.set(taskId, null);
        return;
      }
      case "approval.requested": {
        const p = event.payload;
        db.prepare(
          "INSERT INTO approvals (id, task_id, requested_by, requested_session, requested_at, state) VALUES (?, ?, ?, ?, ?, 'pending')",
        ).run(event.seq, p.taskId, p.requestedBy, p.requestedSession, event.time);
        return;
      }
      case "approval.decided":
      case "approval.timed_out":
      case "approval.withdrawn": {
        const p = event.payload;
        const state =
          event.type === "approval.decided"
            ? event.payload.outcome
            : event.type === "approval.timed_out"
              ? "timed_out"
              : "withdrawn";
        const reason = "reason" in p ? (p.reason ?? null) : null;
        db.prepare(
          "UPDATE approvals SET state = ?, decided_by = ?, decided_session = ?, decided_at = ?, reason = ? WHERE id = ?",
        ).run(state, event.actor, event.session, event.time, reason, p.requestId);
        return;
      }
      case "token.created": {
        const p = event.payload;
        db.prepare(
          "INSERT INTO tokens (id, name, scope, identity, secret_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ).run(p.tokenId, p.name, p.scope, p.identity, p.secretHash, event.time, event.actor);
        return;
      }
      case "token.revoked": {
        const revoked = db
          .prepare("UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL")
          .run(event.time, event.actor, event.payload.tokenId);
        if (revoked.changes !== 1)
          throw new Error(`projection: event ${event.seq} revokes ${event.payload.tokenId}, which is not a live token`);
        return;
      }
    }
  }
}

export type Project = ReturnType<typeof createProjector>;

const UPSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
  ON CONFLICT (id) DO UPDATE SET ${TASK_COLUMNS.split(", ")
    .filter((c) => c !== "id")
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;

/** Unfinished known tasks that wait on the task being updated ("how much work it unblocks"). */
const OPEN_DEPENDENTS = `(SELECT count(*) FROM dependencies d JOIN tasks x ON x.id = d.task_id
  WHERE d.blocker_id = tasks.id AND x.status NOT IN ('done', 'cancelled'))`;

/** Unfinished or unknown blockers of the task being updated (unknown ids fail closed). */
const OPEN_BLOCKERS = `(SELECT count(*) FROM dependencies d LEFT JOIN tasks b ON b.id = d.blocker_id
  WHERE d.task_id = tasks.id AND (b.id IS NULL OR b.status NOT IN ('done', 'cancelled')))`;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
