import type { Approval } from "../approval/approval.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { GENESIS_HASH } from "../event/hash.ts";
import type { TaskColumns } from "../graph/graph.ts";
import type { Lease } from "../lease/lease.ts";
import { type Comment, type Priority, priorityRank, type Status, type Task, type TaskDetail } from "../task/task.ts";
import type { SqlDriver, SqlValue } from "./driver.ts";
import {
  type ApprovalRow,
  approvalFromRow,
  type CommentRow,
  commentFromRow,
  type EventRow,
  eventFromRow,
  type LeaseRow,
  leaseFromRow,
  TASK_COLUMNS,
  type TaskRow,
  taskFromRow,
  taskFromValues,
} from "./rows.ts";
import { createTokenQueries } from "./token-queries.ts";

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

/** Options of the ready query; `leasedFor` drops tasks someone other than that holder leases live. */
export type ReadyOptions = {
  tags?: string[];
  limit?: number;
  leasedFor?: { agent: string; session: string | null; now: number };
};

/** Which events `listEvents` returns. */
export type EventFilter = { after?: number; before?: number; stream?: string; limit?: number; newestFirst?: boolean };

const statusOrder = (column: string) =>
  `CASE ${column} WHEN 'in_progress' THEN 0 WHEN 'review' THEN 1 WHEN 'todo' THEN 2 WHEN 'blocked' THEN 3 WHEN 'done' THEN 4 ELSE 5 END`;

/**
 * In-progress tasks whose lease has run out but that no sweep has ended yet. Reads show them as the
 * sweep will leave them (todo, one version on); the next write persists that with real events.
 */
const STALE = `SELECT l.task_id AS id, l.expires_at AS at FROM leases l JOIN tasks s ON s.id = l.task_id
  WHERE l.expires_at <= ? AND s.status = 'in_progress'`;

/** A task as the sweep of its expired lease will leave it (see decideSweep and evolveTask). */
export function asSwept(task: Task, expiredAt: number): Task {
  return { ...task, status: "todo", version: task.version + 1, updatedAt: expiredAt };
}
const PRIORITY_ORDER = `CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;

/** Read-only queries over the projections and the log. Used by the store and inside transactions. */
export function createQueries(db: SqlDriver) {
  const q = {
    ...createTokenQueries(db),

    /** A task; with `now`, as it reads once expired leases are swept (see STALE). */
    task(id: string, now?: number): Task | undefined {
      const row = db.prepare<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`).get(id);
      if (!row) return undefined;
      const task = taskFromRow(row);
      if (now === undefined || task.status !== "in_progress") return task;
      const expiresAt = db.prepare<{ at: number }>("SELECT expires_at AS at FROM leases WHERE task_id = ?").get(id)?.at;
      return expiresAt !== undefined && expiresAt <= now ? asSwept(task, expiresAt) : task;
    },

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

    taskExists(id: string): boolean {
      return db.prepare("SELECT 1 AS x FROM tasks WHERE id = ?").get(id) !== undefined;
    },

    taskDetail(id: string, now?: number): TaskDetail | undefined {
      const task = q.task(id, now);
      if (!task) return undefined;
      return { ...task, dependsOn: q.dependsOn(id), dependents: q.dependents(id), comments: q.comments(id) };
    },

    dependsOn(id: string): string[] {
      return db
        .prepare<{ blocker_id: string }>("SELECT blocker_id FROM dependencies WHERE task_id = ? ORDER BY blocker_id")
        .all(id)
        .map((r) => r.blocker_id);
    },

    dependents(id: string): string[] {
      return db
        .prepare<{ task_id: string }>("SELECT task_id FROM dependencies WHERE blocker_id = ? ORDER BY task_id")
        .all(id)
        .map((r) => r.task_id);
    },

    hasDependency(taskId: string, blockerId: string): boolean {
      return (
        db.prepare("SELECT 1 AS x FROM dependencies WHERE task_id = ? AND blocker_id = ?").get(taskId, blockerId) !==
        undefined
      );
    },

    /** True when `from` reaches `to` by following dependencies (from depends, transitively, on to). */
    reaches(from: string, to: string): boolean {
      const sql = `WITH RECURSIVE reach(id) AS (SELECT ? UNION SELECT d.blocker_id FROM dependencies d JOIN reach r ON d.task_id = r.id)
        SELECT 1 AS x FROM reach WHERE id = ? LIMIT 1`;
      return db.prepare(sql).get(from, to) !== undefined;
    },

    /** A shortest dependency path from `from` to `to` (both included), or undefined. */
    dependencyPath(from: string, to: string): string[] | undefined {
      const parent = new Map<string, string>([[from, from]]);
      let frontier = [from];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const id of frontier) {
          for (const blocker of q.dependsOn(id)) {
            if (parent.has(blocker)) continue;
            parent.set(blocker, id);
            if (blocker === to) return unwind(parent, from, to);
            next.push(blocker);
          }
        }
        frontier = next;
      }
      return undefined;
    },

    comments(taskId: string): Comment[] {
      return db
        .prepare<CommentRow>("SELECT * FROM comments WHERE task_id = ? ORDER BY created_at, seq, id")
        .all(taskId)
        .map(commentFromRow);
    },

    comment(id: string): Comment | undefined {
      const row = db.prepare<CommentRow>("SELECT * FROM comments WHERE id = ?").get(id);
      return row && commentFromRow(row);
    },

    /** Tasks matching `filter`, in board order; with `now`, expired leases read as swept (see STALE). */
    listTasks(filter: TaskFilter = {}, now?: number): Task[] {
      const stale = now === undefined ? new Map<string, number>() : q.staleLeases(now);
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
        where.push("(instr(lower(title), ?) > 0 OR instr(lower(description), ?) > 0)");
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

    /**
     * The materialised ready set: todo tasks with no open blockers, in work order (priority, work
     * unblocked, age, id). `tags`: only tasks carrying all of them.
     */
    readyTasks(options: ReadyOptions = {}): (Task & { unblocks: number })[] {
      const ready = q.readyRows("todo", options);
      const now = options.leasedFor?.now;
      if (now === undefined || !q.hasExpiredLeases(now)) return ready;
      // Tasks whose lease ran out are ready again, as the sweep will make them: merge them in work order.
      const swept = q.readyRows("stale", options);
      if (!swept.length) return ready;
      const key = (t: Task & { unblocks: number }) =>
        [3 - priorityRank[t.priority], -t.unblocks, t.createdAt, t.id] as const;
      const before = (a: Task & { unblocks: number }, b: Task & { unblocks: number }) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < x.length; i++)
          if (x[i] !== y[i]) return (x[i] as number | string) < (y[i] as number | string);
        return false;
      };
      const merged = [...ready, ...swept].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
      return options.limit ? merged.slice(0, options.limit) : merged;
    },

    /** One half of the ready set: todo tasks (index order), or in-progress ones whose lease ran out, as swept. */
    readyRows(kind: "todo" | "stale", options: ReadyOptions): (Task & { unblocks: number })[] {
      const params: SqlValue[] = [];
      let leaseFilter = "";
      if (kind === "stale") {
        leaseFilter = "AND EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at <= ?)";
        params.push(options.leasedFor?.now ?? 0);
      } else if (options.leasedFor) {
        leaseFilter = `AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at > ?
          AND NOT (l.agent = ? AND l.session IS ?))`;
        params.push(options.leasedFor.now, options.leasedFor.agent, options.leasedFor.session);
      }
      const tagFilter = (options.tags ?? []).map((tag) => {
        params.push(tag);
        return "AND t.id IN (SELECT task_id FROM task_tags WHERE tag = ?)";
      });
      if (options.limit) params.push(options.limit);
      // Served in index order (tasks_ready): no sort, no per-row subquery; rows come back as arrays.
      const sql = `SELECT ${TASK_COLUMNS.split(", ")
        .map((c) => `t.${c}`)
        .join(
          ", ",
        )}, t.open_dependents${kind === "stale" ? ", (SELECT expires_at FROM leases WHERE task_id = t.id)" : ""}
        FROM tasks t WHERE t.status = '${kind === "todo" ? "todo" : "in_progress"}' AND t.open_blockers = 0 ${leaseFilter} ${tagFilter.join(" ")}
        ORDER BY t.priority_rank, t.open_dependents DESC, t.created_at, t.id ${options.limit ? "LIMIT ?" : ""}`;
      return db
        .prepare(sql)
        .values(...params)
        .map((r) => {
          const task = { ...taskFromValues(r), unblocks: r[12] as number };
          return kind === "todo" ? task : { ...asSwept(task, r[13] as number), unblocks: task.unblocks };
        });
    },

    /** The materialised count of unfinished tasks waiting on a task. */
    openDependentCount(id: string): number | undefined {
      return db.prepare<{ n: number }>("SELECT open_dependents AS n FROM tasks WHERE id = ?").get(id)?.n;
    },

    /** Blockers of a task that are unfinished or unknown. */
    openBlockerIds(id: string): string[] {
      const sql = `SELECT d.blocker_id FROM dependencies d LEFT JOIN tasks b ON b.id = d.blocker_id
        WHERE d.task_id = ? AND (b.id IS NULL OR b.status NOT IN ('done', 'cancelled')) ORDER BY d.blocker_id`;
      return db
        .prepare<{ blocker_id: string }>(sql)
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
        >(
          `SELECT group_concat(id, ' ') AS ids, group_concat(status, ' ') AS statuses,
             group_concat(priority, ' ') AS priorities, group_concat(ifnull(estimate, ''), ' ') AS estimates,
             group_concat(created_at, ' ') AS createdAt, group_concat(tags, char(30)) AS tags,
             (SELECT group_concat(blocker_id || ' ' || waiting, char(10))
                FROM (SELECT blocker_id, group_concat(task_id, ' ') AS waiting FROM dependencies GROUP BY blocker_id)
             ) AS edges
           FROM tasks`,
        )
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
      const stale = now === undefined ? undefined : q.staleLeases(now);
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

    /** The lease row of a task (live or expired but not yet swept). */
    lease(taskId: string): Lease | undefined {
      const row = db.prepare<LeaseRow>("SELECT * FROM leases WHERE task_id = ?").get(taskId);
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

    hasExpiredLeases(now: number): boolean {
      return db.prepare("SELECT 1 AS x FROM leases WHERE expires_at <= ? LIMIT 1").get(now) !== undefined;
    },

    approval(id: number): Approval | undefined {
      const row = db.prepare<ApprovalRow>("SELECT * FROM approvals WHERE id = ?").get(id);
      return row && approvalFromRow(row);
    },

    /** The newest approval request of a task, in whatever state. */
    latestApproval(taskId: string): Approval | undefined {
      const row = db
        .prepare<ApprovalRow>("SELECT * FROM approvals WHERE task_id = ? ORDER BY id DESC LIMIT 1")
        .get(taskId);
      return row && approvalFromRow(row);
    },

    /** Approval requests in a state (default pending), oldest first. */
    approvals(state: Approval["state"] = "pending"): Approval[] {
      return db
        .prepare<ApprovalRow>("SELECT * FROM approvals WHERE state = ? ORDER BY id")
        .all(state)
        .map(approvalFromRow);
    },

    /** Tasks per status; with `now`, expired leases count as swept (their tasks as todo). */
    countByStatus(now?: number): Record<Status, number> {
      const counts: Record<Status, number> = { todo: 0, in_progress: 0, review: 0, done: 0, blocked: 0, cancelled: 0 };
      for (const r of db
        .prepare<{ status: Status; n: number }>("SELECT status, count(*) AS n FROM tasks GROUP BY status")
        .all()) {
        counts[r.status] = r.n;
      }
      const stale = now === undefined ? 0 : q.staleLeases(now).size;
      counts.in_progress -= stale;
      counts.todo += stale;
      return counts;
    },

    /** The number of ready tasks not held by someone else (what "+N more" counts). */
    readyCount(leasedFor: NonNullable<ReadyOptions["leasedFor"]>): number {
      const held = `SELECT count(*) AS n FROM tasks t WHERE t.status = 'todo' AND t.open_blockers = 0
        AND EXISTS (SELECT 1 FROM leases l WHERE l.task_id = t.id AND l.expires_at > ? AND NOT (l.agent = ? AND l.session IS ?))`;
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

    /** How far the audit mirror has written (null: never recorded, as in a project from before it was). */
    auditPosition(): number | null {
      return q.auditMark()?.seq ?? null;
    },

    /** The audit mirror's record: the seq it wrote up to and the size it left audit.jsonl at. */
    auditMark(): { seq: number; bytes: number | null } | undefined {
      return db
        .prepare<{ seq: number; bytes: number | null }>("SELECT seq, bytes FROM audit_mirror WHERE id = 1")
        .get();
    },

    maxSeq(): number {
      return db.prepare<{ m: number | null }>("SELECT max(seq) AS m FROM events").get()?.m ?? 0;
    },

    lastHash(): string {
      return (
        db.prepare<{ hash: string }>("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").get()?.hash ?? GENESIS_HASH
      );
    },

    event(seq: number): StoredEvent | undefined {
      const row = db.prepare<EventRow>("SELECT * FROM events WHERE seq = ?").get(seq);
      return row && eventFromRow(row);
    },

    listEvents(filter: EventFilter = {}): StoredEvent[] {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (filter.after !== undefined) {
        where.push("seq > ?");
        params.push(filter.after);
      }
      if (filter.before !== undefined) {
        where.push("seq < ?");
        params.push(filter.before);
      }
      if (filter.stream !== undefined) {
        where.push("stream = ?");
        params.push(filter.stream);
      }
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY seq ${filter.newestFirst ? "DESC" : "ASC"} ${filter.limit ? "LIMIT ?" : ""}`;
      if (filter.limit) params.push(filter.limit);
      return db
        .prepare<EventRow>(sql)
        .all(...params)
        .map(eventFromRow);
    },

    /** An event row exactly as stored. */
    eventRow(seq: number): EventRow | undefined {
      return db.prepare<EventRow>("SELECT * FROM events WHERE seq = ?").get(seq);
    },

    /**
     * Up to `limit` event rows after `after`, as stored. Callers page with it rather than hold an
     * open iterator, so a failure halfway never leaves the connection busy.
     */
    eventRows(after: number, limit: number): EventRow[] {
      return db.prepare<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?").all(after, limit);
    },

    /** The chain of parents above a task, nearest first, stopping at a repeat (a cycle) or a missing task. */
    ancestors(id: string): string[] {
      const sql = `WITH RECURSIVE up(id, n) AS (SELECT parent_id, 1 FROM tasks WHERE id = ?
          UNION SELECT t.parent_id, up.n + 1 FROM tasks t JOIN up ON t.id = up.id WHERE up.n < 10000)
        SELECT id FROM up WHERE id IS NOT NULL ORDER BY n`;
      const out: string[] = [];
      for (const r of db.prepare<{ id: string }>(sql).all(id)) {
        if (out.includes(r.id)) break;
        out.push(r.id);
      }
      return out;
    },

    /** Tasks that are their own ancestor (imported data): doctor names each cycle once. */
    parentCycles(): string[][] {
      const rows = db
        .prepare<{ id: string; parent_id: string }>(
          "SELECT id, parent_id FROM tasks WHERE parent_id IS NOT NULL ORDER BY id",
        )
        .all();
      const parent = new Map(rows.map((r) => [r.id, r.parent_id]));
      const seen = new Set<string>();
      const cycles: string[][] = [];
      for (const start of parent.keys()) {
        const path: string[] = [];
        let at: string | undefined = start;
        while (at !== undefined && !seen.has(at) && !path.includes(at)) {
          path.push(at);
          at = parent.get(at);
        }
        if (at !== undefined && path.includes(at)) cycles.push([...path.slice(path.indexOf(at)), at]);
        for (const p of path) seen.add(p);
      }
      return cycles;
    },

    /** Tasks whose parent does not exist (imported data): doctor names them. */
    unknownParents(): { id: string; parentId: string }[] {
      return db
        .prepare<{ id: string; parent_id: string }>(
          "SELECT id, parent_id FROM tasks t WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.id = t.parent_id) ORDER BY id",
        )
        .all()
        .map((r) => ({ id: r.id, parentId: r.parent_id }));
    },

    commandEvents(command: number): StoredEvent[] {
      return db.prepare<EventRow>("SELECT * FROM events WHERE command = ? ORDER BY seq").all(command).map(eventFromRow);
    },

    /**
     * The newest command of `actor` (and session) that is neither an undo, nor already undone, nor a
     * sweep of expired leases (which ran on the way to another command).
     */
    lastUndoableCommand(actor: string, session: string | null): number | undefined {
      const sql = `SELECT command FROM events e WHERE undoes IS NULL AND actor = ? AND session IS ?
        AND seq = command AND type <> 'lease.expired'
        AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.command)
        ORDER BY seq DESC LIMIT 1`;
      return db.prepare<{ command: number }>(sql).get(actor, session)?.command;
    },

    /**
     * The first event after `afterSeq` (not undone, not an undo) that made another task depend on
     * `id` or made `id` its parent. Links that predate `afterSeq` do not count.
     */
    linkedAfter(id: string, afterSeq: number): StoredEvent | undefined {
      const sql = `SELECT * FROM events e WHERE seq > ? AND undoes IS NULL
        AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.command)
        AND ((type = 'dependency.added' AND json_extract(payload, '$.blockerId') = ?)
          OR (type = 'task.created' AND json_extract(payload, '$.task.parentId') = ?)
          OR (type = 'task.edited' AND json_extract(payload, '$.changes.parentId') = ?))
        ORDER BY seq LIMIT 1`;
      const row = db.prepare<EventRow>(sql).get(afterSeq, id, id, id);
      return row && eventFromRow(row);
    },

    /** True when some undo command already undid `command`. */
    isUndone(command: number): boolean {
      return db.prepare("SELECT 1 AS x FROM events WHERE undoes = ? LIMIT 1").get(command) !== undefined;
    },

    /**
     * The first event after `afterSeq` on one of `streams` that still counts: events of undone
     * commands and of undo commands cancel out and are skipped. So is the end of a lease (released,
     * or expired with the move back to todo the expiry made): it changes nothing an undo restores,
     * and is never undone itself, so counting it would make every earlier change undoable never again.
     */
    laterChange(streams: string[], afterSeq: number): StoredEvent | undefined {
      const sql = `SELECT * FROM events e WHERE seq > ? AND stream IN (${streams.map(() => "?").join(",")})
        AND undoes IS NULL AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.command)
        AND type NOT IN ('lease.released', 'lease.expired')
        AND NOT (type = 'task.status_changed' AND json_extract(payload, '$.to') = 'todo'
          AND EXISTS (SELECT 1 FROM events s WHERE s.seq = e.command AND s.type = 'lease.expired'))
        ORDER BY seq LIMIT 1`;
      const row = db.prepare<EventRow>(sql).get(afterSeq, ...streams);
      return row && eventFromRow(row);
    },
  };
  return q;
}

export type Queries = ReturnType<typeof createQueries>;

function unwind(parent: Map<string, string>, from: string, to: string): string[] {
  const path = [to];
  let at = to;
  while (at !== from) {
    at = parent.get(at) as string;
    path.push(at);
  }
  return path.reverse();
}
