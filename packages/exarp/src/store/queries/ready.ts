import { compareForWork, type TaskColumns } from "../../graph/graph.ts";
import type { Priority, Status, Task } from "../../task/task.ts";
import { graphDataSql, textsOfJson } from "../dialect.ts";
import type { SqlDriver, SqlValue } from "../driver.ts";
import { TASK_COLUMNS, taskFromValues } from "../rows.ts";
import { asSwept, type LeaseQueries } from "./leases.ts";

/** The blockers of a task that are unfinished or unknown, by id. */
export const OPEN_BLOCKERS_OF = `SELECT d.blocker_id FROM dependencies d LEFT JOIN tasks b ON b.id = d.blocker_id
  WHERE d.task_id = ? AND (b.id IS NULL OR b.status NOT IN ('done', 'cancelled')) ORDER BY d.blocker_id`;

/** Options of the ready query; `leasedFor` drops tasks someone other than that holder leases live. */
export type ReadyOptions = {
  tags?: string[];
  limit?: number;
  /** Only this task: it is in the answer while it is ready. */
  id?: string;
  leasedFor?: { agent: string; session: string | null; now: number };
};

type ReadyTask = Task & { unblocks: number };

/** The condition (on `t`) that no one but `leasedFor` holds a live lease; its values go to `params`. */
function notHeld(options: Pick<ReadyOptions, "leasedFor">, params: SqlValue[]): string {
  if (!options.leasedFor) return "";
  params.push(options.leasedFor.now, options.leasedFor.agent, options.leasedFor.session);
  return `AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at > ?
          AND NOT (l.agent = ? AND l.session IS NOT DISTINCT FROM ?))`;
}

/** The conditions (on `t`) that the task carries every tag asked for; their values go to `params`. */
function tagFilters(options: Pick<ReadyOptions, "tags">, params: SqlValue[]): string[] {
  return (options.tags ?? []).map((tag) => {
    params.push(tag);
    return "AND t.id IN (SELECT task_id FROM task_tags WHERE tag = ?)";
  });
}

/** Reads of the materialised ready set, its order and counts, and the whole graph as columns. */
export function createReadyQueries(db: SqlDriver, leases: Pick<LeaseQueries, "hasExpiredLeases" | "staleLeases">) {
  const readySet = {
    /**
     * The materialised ready set: todo tasks with no open blockers, in work order (priority, work
     * unblocked, age, id). `tags`: only tasks carrying all of them.
     */
    readyTasks(options: ReadyOptions = {}): (Task & { unblocks: number })[] {
      const ready = readySet.readyRows("todo", options);
      const now = options.leasedFor?.now;
      if (now === undefined || !leases.hasExpiredLeases(now)) return ready;
      // Tasks whose lease ran out are ready again, as the sweep will make them: merge them in work order.
      const swept = readySet.readyRows("stale", options);
      if (!swept.length) return ready;
      const merged = [...ready, ...swept].sort(compareForWork);
      return options.limit ? merged.slice(0, options.limit) : merged;
    },

    /** One half of the ready set: todo tasks (index order), or in-progress ones whose lease ran out, as swept. */
    readyRows(kind: "todo" | "stale", options: ReadyOptions): (Task & { unblocks: number })[] {
      const params: SqlValue[] = [];
      let leaseFilter = "";
      if (kind === "stale") {
        leaseFilter = "AND EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at <= ?)";
        params.push(options.leasedFor?.now ?? 0);
      } else leaseFilter = notHeld(options, params);
      const filters = tagFilters(options, params);
      if (options.id !== undefined) {
        filters.push("AND t.id = ?");
        params.push(options.id);
      }
      if (options.limit) params.push(options.limit);
      const columns = [
        ...TASK_COLUMNS.split(", ").map((c) => `t.${c}`),
        "t.open_dependents",
        ...(kind === "stale" ? ["(SELECT expires_at FROM leases WHERE task_id = t.id)"] : []),
      ];
      // Served in index order (tasks_ready): no sort, no per-row subquery; rows come back as arrays.
      const rest = `FROM tasks t WHERE t.status = '${kind === "todo" ? "todo" : "in_progress"}' AND t.open_blockers = 0 ${leaseFilter} ${filters.join(" ")}`;
      const order = ["t.priority_rank", "t.open_dependents DESC", "t.created_at", "t.id"];
      return db
        .prepare(`SELECT ${columns.join(", ")} ${rest} ORDER BY ${order.join(", ")} ${options.limit ? "LIMIT ?" : ""}`)
        .values(...params)
        .map((r) => {
          const task = { ...taskFromValues(r), unblocks: r[12] as number };
          return kind === "todo" ? task : { ...asSwept(task, r[13] as number), unblocks: task.unblocks };
        });
    },

    /**
     * Of the tasks `ids` and the tasks they wait on or that wait on them (every row an event on
     * `ids` can change): which are known (`touched`), and which of those are in the todo half of the
     * ready set for `options` (not in work order).
     */
    readyAmong(ids: string[], options: Omit<ReadyOptions, "limit" | "id">): { touched: string[]; ready: ReadyTask[] } {
      const params: SqlValue[] = [JSON.stringify(ids)];
      const conditions = [notHeld(options, params), ...tagFilters(options, params)].join(" ");
      const columns = [...TASK_COLUMNS.split(", ").map((c) => `t.${c}`), "t.open_dependents"];
      const rows = db
        .prepare(
          `WITH given(id) AS (${textsOfJson(db.dialect)}),
             near(id) AS (SELECT id FROM given
               UNION SELECT task_id FROM dependencies WHERE blocker_id IN (SELECT id FROM given)
               UNION SELECT blocker_id FROM dependencies WHERE task_id IN (SELECT id FROM given))
           SELECT ${columns.join(", ")}, CASE WHEN t.status = 'todo' AND t.open_blockers = 0 ${conditions} THEN 1 ELSE 0 END
           FROM near JOIN tasks t ON t.id = near.id`,
        )
        .values(...params);
      return {
        touched: rows.map((r) => r[0] as string),
        ready: rows.filter((r) => r[13] === 1).map((r) => ({ ...taskFromValues(r), unblocks: r[12] as number })),
      };
    },

    /** The number of ready tasks not held by someone else (what "+N more" counts). */
    readyCount(leasedFor: NonNullable<ReadyOptions["leasedFor"]>): number {
      const held = `SELECT count(*) AS n FROM tasks t WHERE t.status = 'todo' AND t.open_blockers = 0
        AND EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at > ? AND NOT (l.agent = ? AND l.session IS NOT DISTINCT FROM ?))`;
      const all = db
        .prepare<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE status = 'todo' AND open_blockers = 0")
        .get()?.n;
      const taken = db.prepare<{ n: number }>(held).get(leasedFor.now, leasedFor.agent, leasedFor.session)?.n;
      const stale = db
        .prepare<{ n: number }>(
          `SELECT count(*) AS n FROM tasks t WHERE t.status = 'in_progress' AND t.open_blockers = 0
           AND EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at <= ?)`,
        )
        .get(leasedFor.now)?.n;
      return (all ?? 0) - (taken ?? 0) + (stale ?? 0);
    },

    /** The materialised count of unfinished tasks waiting on a task. */
    openDependentCount(id: string): number | undefined {
      return db.prepare<{ n: number }>("SELECT open_dependents AS n FROM tasks WHERE id = ?").get(id)?.n;
    },

    /** Blockers of a task that are unfinished or unknown. */
    openBlockerIds(id: string): string[] {
      return db
        .prepare<{ blocker_id: string }>(OPEN_BLOCKERS_OF)
        .all(id)
        .map((r) => r.blocker_id);
    },

    /** The materialised count of a task's open (unfinished or unknown) blockers. */
    openBlockerCount(id: string): number | undefined {
      return db.prepare<{ n: number }>("SELECT open_blockers AS n FROM tasks WHERE id = ?").get(id)?.n;
    },

    /**
     * Every task as columns and every edge as text, read as one row of concatenated text and split
     * here: at 100k tasks, an object per row costs more than the graph work itself. Tags stay JSON
     * text until asked for; edges are one `blocker task task…` line per blocker (ids hold no spaces).
     */
    graphData(now?: number): { tasks: TaskColumns; edges: string } {
      const row = db
        .prepare<
          Record<"ids" | "statuses" | "priorities" | "estimates" | "createdAt" | "tags", string> & {
            edges: string | null;
          }
        >(graphDataSql(db.dialect))
        .get();
      if (!row?.ids) {
        const none = { ids: [], statuses: [], priorities: [], estimates: [], createdAt: [], tags: () => [] };
        return { tasks: none, edges: "" };
      }
      // Timestamps are too big for small integers: a typed array keeps them unboxed, not 100k heap numbers.
      const created = row.createdAt.split(" ");
      const createdAt = new Float64Array(created.length);
      for (let i = 0; i < created.length; i++) createdAt[i] = Number(created[i]);
      const ids = row.ids.split(" ");
      const statuses = row.statuses.split(" ") as Status[];
      const stale = now === undefined ? undefined : leases.staleLeases(now);
      if (stale?.size) {
        for (const [i, id] of ids.entries()) if (stale.has(id)) statuses[i] = "todo";
      }
      const tasks: TaskColumns = {
        ids,
        statuses,
        priorities: row.priorities.split(" ") as Priority[],
        estimates: row.estimates.split(" ").map((e) => (e === "" ? null : Number(e))),
        createdAt,
        tags: () => row.tags.split("\x1e"),
      };
      return { tasks, edges: row.edges ?? "" };
    },
  };
  return readySet;
}
