import type { Approval } from "../approval/approval.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { criticalPath } from "../graph/critical-path.ts";
import { explainTask } from "../graph/explain.ts";
import { type Graph, openBlockers } from "../graph/graph.ts";
import type { Lease } from "../lease/lease.ts";
import { isFinished, STATUSES, type Status, type Task } from "../task/task.ts";
import { lastRenewal, taskHistory } from "./history.ts";
import { sprintGraph } from "./scope.ts";
import type { SprintRecord } from "./sprint.ts";

const DAY_MS = 24 * 60 * 60_000;

/** What a report is computed from: the sprint, its tasks' events, and the project as it is now. */
export type ReportInput = {
  sprint: SprintRecord;
  /** Each sprint task's events (its stream), in log order; a task with none may be left out. */
  taskEvents: ReadonlyMap<string, readonly StoredEvent[]>;
  /** The sprint's tasks as they are now (deleted ones absent). */
  tasks: ReadonlyMap<string, Task>;
  leases: readonly Lease[];
  /** Pending approval requests (any task's: those of the sprint's tasks are picked here). */
  pending: readonly Approval[];
  graph: Graph;
  now: number;
  staleAfterMs: number;
};

/** A task finished inside the sprint: its last move to done came after the start (and before the end). */
export type DoneTask = {
  taskId: string;
  title: string;
  estimate: number | null;
  doneAt: number;
  doneSeq: number;
  /** The first move to in progress of the work that ended in done; null when the log has none. */
  startedAt: number | null;
  cycleTimeMs: number | null;
};

export type ReviewItem = {
  taskId: string;
  title: string;
  requestId: number;
  requestedBy: string;
  requestedAt: number;
  ageMs: number;
};

export type StaleLease = {
  taskId: string;
  agent: string;
  session: string | null;
  token: number;
  acquiredAt: number;
  renewedAt: number | null;
  expiresAt: number;
  expired: boolean;
  /** Since the grant or the last renewal. */
  idleMs: number;
};

export type BlockedTask = { taskId: string; title: string; status: Status; waitsFor: string[]; reasons: string[] };

export type SprintReport = {
  sprint: string;
  goal: string | null;
  tag: string | null;
  state: "open" | "ended";
  taskIds: string[];
  startedAt: number;
  startedSeq: number;
  startedBy: string;
  endedAt: number | null;
  endedSeq: number | null;
  endedBy: string | null;
  /** When the sprint's window closes for done, velocity and cycle time: its end, or now while open. */
  asOf: number;
  /** When the report was made: review queue, leases, blocked tasks and the path ahead are as of now. */
  now: number;
  /** How many of the sprint's tasks are in each status now (`deleted`: no longer exists). */
  statuses: Record<Status | "deleted", number>;
  done: DoneTask[];
  velocity: {
    /** Sum of the estimates (minutes) of the tasks done; a task without one counts 0 and is counted below. */
    minutes: number;
    unestimated: number;
    /** Days of the sprint begun by `asOf` (at least 1). */
    days: number;
    /** minutes / days, to two decimals. */
    perDay: number;
  };
  cycleTime: { count: number; meanMs: number | null; medianMs: number | null; maxMs: number | null };
  reviewQueue: ReviewItem[];
  staleLeases: StaleLease[];
  blocked: BlockedTask[];
  /** The longest chain of unfinished work still ahead (estimates; 1 where missing), and which of it lies outside the sprint. */
  criticalPath: { tasks: string[]; total: number; outside: string[] };
};

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The report of one sprint, read from the log and the project's state now. Pure. */
export function sprintReport(input: ReportInput): SprintReport {
  const { sprint, now } = input;
  const until = sprint.endedSeq ?? Number.POSITIVE_INFINITY;
  const asOf = sprint.endedAt ?? now;
  const ids = [...new Set(sprint.taskIds)];
  const inSprint = new Set(ids);
  const eventsOf = (id: string) => input.taskEvents.get(id) ?? [];
  const title = (id: string) => input.tasks.get(id)?.title ?? taskHistory(eventsOf(id)).title ?? "";

  const done: DoneTask[] = [];
  for (const id of ids) {
    const h = taskHistory(eventsOf(id), until);
    if (h.status !== "done" || !h.lastDone || h.lastDone.seq <= sprint.startedSeq) continue;
    const startedAt = h.cycleStart?.time ?? null;
    done.push({
      taskId: id,
      title: h.title ?? "",
      estimate: h.estimate,
      doneAt: h.lastDone.time,
      doneSeq: h.lastDone.seq,
      startedAt,
      cycleTimeMs: startedAt === null ? null : h.lastDone.time - startedAt,
    });
  }
  done.sort((a, b) => a.doneSeq - b.doneSeq);

  const minutes = done.reduce((sum, d) => sum + (d.estimate ?? 0), 0);
  const days = Math.max(1, Math.ceil((asOf - sprint.startedAt) / DAY_MS));
  const cycles = done.flatMap((d) => (d.cycleTimeMs === null ? [] : [d.cycleTimeMs])).sort((a, b) => a - b);

  const statuses = Object.fromEntries([...STATUSES, "deleted"].map((s) => [s, 0])) as SprintReport["statuses"];
  for (const id of ids) statuses[input.tasks.get(id)?.status ?? "deleted"] += 1;

  return {
    sprint: sprint.name,
    goal: sprint.goal,
    tag: sprint.tag,
    state: sprint.endedSeq === null ? "open" : "ended",
    taskIds: ids,
    startedAt: sprint.startedAt,
    startedSeq: sprint.startedSeq,
    startedBy: sprint.startedBy,
    endedAt: sprint.endedAt,
    endedSeq: sprint.endedSeq,
    endedBy: sprint.endedBy,
    asOf,
    now,
    statuses,
    done,
    velocity: {
      minutes,
      unestimated: done.filter((d) => d.estimate === null).length,
      days,
      perDay: round2(minutes / days),
    },
    cycleTime: {
      count: cycles.length,
      meanMs: cycles.length ? Math.round(cycles.reduce((a, b) => a + b, 0) / cycles.length) : null,
      medianMs: cycles.length ? median(cycles) : null,
      maxMs: cycles.at(-1) ?? null,
    },
    reviewQueue: input.pending
      .filter((a) => inSprint.has(a.taskId))
      .sort((a, b) => a.requestedAt - b.requestedAt || a.id - b.id)
      .map((a) => ({
        taskId: a.taskId,
        title: title(a.taskId),
        requestId: a.id,
        requestedBy: a.requestedBy,
        requestedAt: a.requestedAt,
        ageMs: now - a.requestedAt,
      })),
    staleLeases: staleLeases(input, inSprint),
    blocked: blockedTasks(input, ids),
    criticalPath: pathAhead(input.graph, ids, inSprint),
  };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

/** Leases on the sprint's tasks that ran out, or that nobody renewed for `staleAfterMs`: oldest activity first. */
function staleLeases(input: ReportInput, inSprint: ReadonlySet<string>): StaleLease[] {
  const out: StaleLease[] = [];
  for (const l of input.leases) {
    if (!inSprint.has(l.taskId)) continue;
    const renewedAt = lastRenewal(input.taskEvents.get(l.taskId) ?? [], l.token);
    const idleMs = input.now - Math.max(l.acquiredAt, renewedAt ?? l.acquiredAt);
    const expired = l.expiresAt <= input.now;
    if (!expired && idleMs < input.staleAfterMs) continue;
    const { taskId, agent, session, token, acquiredAt, expiresAt } = l;
    out.push({ taskId, agent, session, token, acquiredAt, renewedAt, expiresAt, expired, idleMs });
  }
  return out.sort((a, b) => b.idleMs - a.idleMs || a.token - b.token);
}

/** Unfinished tasks of the sprint that are blocked, or wait on an open blocker: why, in words. */
function blockedTasks(input: ReportInput, ids: readonly string[]): BlockedTask[] {
  const out: BlockedTask[] = [];
  for (const id of ids) {
    const task = input.tasks.get(id);
    if (!task || isFinished(task.status)) continue;
    const waitsFor = openBlockers(input.graph, id);
    if (task.status !== "blocked" && waitsFor.length === 0) continue;
    const reasons: string[] = [];
    if (task.status === "blocked") {
      const why = taskHistory(input.taskEvents.get(id) ?? []).blockedReason;
      reasons.push(why ? `blocked: ${why}` : "blocked (no reason given)");
    }
    // The explanation's status line ("… is blocked, not todo") is said above, or is not a blocker.
    for (const r of explainTask(input.graph, id).reasons) if (!r.startsWith(`${id} is `)) reasons.push(r);
    out.push({ taskId: id, title: task.title, status: task.status, waitsFor, reasons });
  }
  return out;
}

function pathAhead(g: Graph, ids: readonly string[], inSprint: ReadonlySet<string>): SprintReport["criticalPath"] {
  const path = criticalPath(sprintGraph(g, ids));
  return { tasks: path.tasks, total: path.total, outside: path.tasks.filter((id) => !inSprint.has(id)) };
}
