// What tool results look like to the model: compact, ISO times, no empty or null fields.
import type { Approval } from "../approval/approval.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { describeEvent } from "../event/describe.ts";
import { holderName, type Lease } from "../lease/lease.ts";
import type { Task, TaskDetail } from "../task/task.ts";

/** Milliseconds since the epoch as an ISO time. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** Drops undefined, null and empty-array fields: they cost tokens and say nothing. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)),
  ) as Partial<T>;
}

/** A task in a list: enough to choose it, not its description. */
export function taskSummary(t: Task & { unblocks?: number }) {
  return compact({
    id: t.id,
    status: t.status,
    priority: t.priority,
    title: t.title,
    tags: t.tags,
    estimate: t.estimate,
    assignee: t.assignee,
    parentId: t.parentId,
    unblocks: t.unblocks || undefined,
    version: t.version,
  });
}

/** A whole task: fields, links both ways and comments. */
export function taskView(t: TaskDetail) {
  return compact({
    ...taskSummary(t),
    description: t.description || undefined,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    dependsOn: t.dependsOn,
    dependents: t.dependents,
    comments: t.comments.map((c) => ({ by: c.author, at: iso(c.createdAt), body: c.body })),
  });
}

export function leaseView(l: Lease) {
  return { taskId: l.taskId, holder: holderName(l), token: l.token, expiresAt: iso(l.expiresAt) };
}

export function approvalView(a: Approval) {
  return compact({
    requestId: a.id,
    taskId: a.taskId,
    state: a.state,
    askedBy: a.requestedSession ? `${a.requestedBy}/${a.requestedSession}` : a.requestedBy,
    askedAt: iso(a.requestedAt),
    decidedBy: a.decidedBy,
    reason: a.reason,
  });
}

export function eventView(e: StoredEvent) {
  return {
    seq: e.seq,
    at: iso(e.time),
    type: e.type,
    by: e.session ? `${e.actor}/${e.session}` : e.actor,
    what: describeEvent(e),
  };
}
