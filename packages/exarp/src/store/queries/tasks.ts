import type { Priority, Status, Task, TaskDetail } from "../../task/task.ts";
import { containsLowered } from "../dialect.ts";
import type { SqlDriver, SqlValue } from "../driver.ts";
import { TASK_COLUMNS, type TaskRow, taskFromRow } from "../rows.ts";
import type { CommentQueries } from "./comments.ts";
import type { DependencyQueries } from "./dependencies.ts";
import { asSwept, type LeaseQueries, STALE } from "./leases.ts";
import type { SourceQueries } from "./sources.ts";

/** One task's row, by id. */
export const TASK_BY_ID = `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`;

/** Which tasks `listTasks` returns; every given criterion must hold. */
export type TaskFilter = {
  status?: Status[];
  priority?: Priority[];
  /** Tasks carrying every one of these tags. */
  tags?: string[];
  /** Case-insensitive substring of title or description. */
  text?: string;
  parentId?: string;
  assignee?: string;
  limit?: number;
};

const statusOrder = (column: string) =>
  `CASE ${column} WHEN 'in_progress' THEN 0 WHEN 'review' THEN 1 WHEN 'todo' THEN 2 WHEN 'blocked' THEN 3 WHEN 'done' THEN 4 ELSE 5 END`;

const PRIORITY_ORDER = `CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;

/** What the task reads take from other parts: stale leases, and the edges, comments and source of a task's detail. */
export type TaskQueryParts = {
  leases: Pick<LeaseQueries, "staleLeases">;
  dependencies: Pick<DependencyQueries, "dependsOn" | "dependents">;
  comments: Pick<CommentQueries, "comments">;
  sources: Pick<SourceQueries, "taskSource">;
};

/** Reads of the tasks projection; with `now`, tasks whose lease ran out read as swept (see STALE). */
export function createTaskQueries(db: SqlDriver, { leases, dependencies, comments, sources }: TaskQueryParts) {
  const tasks = {
    /** A task; with `now`, as it reads once expired leases are swept (see STALE). */
    task(id: string, now?: number): Task | undefined {
      const row = db.prepare<TaskRow>(TASK_BY_ID).get(id);
      if (!row) return undefined;
      const task = taskFromRow(row);
      if (now === undefined || task.status !== "in_progress") return task;
      const expiresAt = db.prepare<{ at: number }>("SELECT expires_at AS at FROM leases WHERE task_id = ?").get(id)?.at;
      return expiresAt !== undefined && expiresAt <= now ? asSwept(task, expiresAt) : task;
    },

    taskExists(id: string): boolean {
      return db.prepare("SELECT 1 AS x FROM tasks WHERE id = ?").get(id) !== undefined;
    },

    taskDetail(id: string, now?: number): TaskDetail | undefined {
      const task = tasks.task(id, now);
      if (!task) return undefined;
      const source = sources.taskSource(id);
      return {
        ...task,
        dependsOn: dependencies.dependsOn(id),
        dependents: dependencies.dependents(id),
        comments: comments.comments(id),
        ...(source ? { source } : {}),
      };
    },

    /** Tasks matching `filter`, in board order; with `now`, expired leases read as swept (see STALE). */
    listTasks(filter: TaskFilter = {}, now?: number): Task[] {
      const stale = now === undefined ? new Map<string, number>() : leases.staleLeases(now);
      // Only when some lease has run out does the status need computing per row (rare).
      const status = stale.size ? "(CASE WHEN id IN (SELECT id FROM stale) THEN 'todo' ELSE status END)" : "status";
      const where: string[] = [];
      const params: SqlValue[] = stale.size ? [now as number] : [];
      if (filter.status?.length) {
        where.push(`${status} IN (${filter.status.map(() => "?").join(",")})`);
        params.push(...filter.status);
      }
      if (filter.priority?.length) {
        where.push(`priority IN (${filter.priority.map(() => "?").join(",")})`);
        params.push(...filter.priority);
      }
      for (const tag of filter.tags ?? []) {
        where.push("id IN (SELECT task_id FROM task_tags WHERE tag = ?)");
        params.push(tag);
      }
      if (filter.text) {
        where.push(`(${containsLowered(db.dialect, "title")} OR ${containsLowered(db.dialect, "description")})`);
        params.push(filter.text.toLowerCase(), filter.text.toLowerCase());
      }
      if (filter.parentId !== undefined) {
        where.push("parent_id = ?");
        params.push(filter.parentId);
      }
      if (filter.assignee !== undefined) {
        where.push("assignee = ?");
        params.push(filter.assignee);
      }
      const sql = `${stale.size ? `WITH stale(id, at) AS (${STALE}) ` : ""}SELECT ${TASK_COLUMNS} FROM tasks
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY ${statusOrder(status)}, ${PRIORITY_ORDER}, created_at, id ${filter.limit ? "LIMIT ?" : ""}`;
      if (filter.limit) params.push(filter.limit);
      const rows = db
        .prepare<TaskRow>(sql)
        .all(...params)
        .map(taskFromRow);
      if (!stale.size) return rows;
      return rows.map((t) => {
        const at = t.status === "in_progress" ? stale.get(t.id) : undefined;
        return at === undefined ? t : asSwept(t, at);
      });
    },

    /** Tasks per status; with `now`, expired leases count as swept (their tasks as todo). */
    countByStatus(now?: number): Record<Status, number> {
      const counts: Record<Status, number> = { todo: 0, in_progress: 0, review: 0, done: 0, blocked: 0, cancelled: 0 };
      for (const r of db
        .prepare<{ status: Status; n: number }>("SELECT status, count(*) AS n FROM tasks GROUP BY status")
        .all()) {
        counts[r.status] = r.n;
      }
      const stale = now === undefined ? 0 : leases.staleLeases(now).size;
      counts.in_progress -= stale;
      counts.todo += stale;
      return counts;
    },
  };
  return tasks;
}
