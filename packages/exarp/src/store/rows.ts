import type { Approval, ApprovalState } from "../approval/approval.ts";
import type { Lease } from "../lease/lease.ts";
import type { Comment, Task } from "../task/task.ts";

/** A `tasks` row as SQLite returns it. */
export type TaskRow = {
  id: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  tags: string;
  parent_id: string | null;
  estimate: number | null;
  assignee: string | null;
  created_at: number;
  updated_at: number;
  version: number;
};

export type CommentRow = { id: string; task_id: string; body: string; author: string; created_at: number; seq: number };

export function taskFromRow(r: TaskRow): Task {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    status: r.status as Task["status"],
    priority: r.priority as Task["priority"],
    tags: JSON.parse(r.tags) as string[],
    parentId: r.parent_id,
    estimate: r.estimate,
    assignee: r.assignee,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** A task from a row fetched as an array, in the order of TASK_COLUMNS (the fast path for big reads). */
export function taskFromValues(v: readonly unknown[]): Task {
  return {
    id: v[0] as string,
    title: v[1] as string,
    description: v[2] as string,
    status: v[3] as Task["status"],
    priority: v[4] as Task["priority"],
    tags: JSON.parse(v[5] as string) as string[],
    parentId: v[6] as string | null,
    estimate: v[7] as number | null,
    assignee: v[8] as string | null,
    createdAt: v[9] as number,
    updatedAt: v[10] as number,
    version: v[11] as number,
  };
}

/** Column values in the order of TASK_COLUMNS. */
export function taskToRow(t: Task): (string | number | null)[] {
  return [
    t.id,
    t.title,
    t.description,
    t.status,
    t.priority,
    JSON.stringify(t.tags),
    t.parentId,
    t.estimate,
    t.assignee,
    t.createdAt,
    t.updatedAt,
    t.version,
  ];
}

export const TASK_COLUMNS =
  "id, title, description, status, priority, tags, parent_id, estimate, assignee, created_at, updated_at, version";

export function commentFromRow(r: CommentRow): Comment {
  return { id: r.id, taskId: r.task_id, body: r.body, author: r.author, createdAt: r.created_at };
}

export type LeaseRow = {
  task_id: string;
  agent: string;
  session: string | null;
  token: number;
  acquired_at: number;
  expires_at: number;
};

export function leaseFromRow(r: LeaseRow): Lease {
  return {
    taskId: r.task_id,
    agent: r.agent,
    session: r.session,
    token: r.token,
    acquiredAt: r.acquired_at,
    expiresAt: r.expires_at,
  };
}

export type ApprovalRow = {
  id: number;
  task_id: string;
  requested_by: string;
  requested_session: string | null;
  requested_at: number;
  state: string;
  decided_by: string | null;
  decided_session: string | null;
  decided_at: number | null;
  reason: string | null;
};

export function approvalFromRow(r: ApprovalRow): Approval {
  return {
    id: r.id,
    taskId: r.task_id,
    requestedBy: r.requested_by,
    requestedSession: r.requested_session,
    requestedAt: r.requested_at,
    state: r.state as ApprovalState,
    decidedBy: r.decided_by,
    decidedSession: r.decided_session,
    decidedAt: r.decided_at,
    reason: r.reason,
  };
}
