// The base policy of `exarp run --worktree`: where a task's branch starts so that a dependent task is
// never built without its blockers' work. Pure: the caller reads statuses and branches, this decides.
//
// A task starts from the main branch at its current commit. Then, in the blockers' order (topological
// among themselves, ties by id), each done blocker's branch that main does not contain yet is merged
// in. A blocker done without a branch (a person did it, or its branch was merged and deleted) or with
// a branch main already contains adds nothing. A cancelled blocker adds nothing either: its work was
// given up, and it blocks nobody. Any other status refuses: the blocker's work is not approved yet.

import type { Status } from "../task/task.ts";

/** What the policy needs to know about one blocker of the task being prepared. */
export type BlockerBase = {
  taskId: string;
  status: Status;
  /** The blocker's runner branch (`exarp/<id>`), or null when it has none. */
  branch: string | null;
  /** True when main already contains the branch's work (merged, or never moved past main). */
  mergedIntoMain: boolean;
  /** Ids of the other blockers in this list it depends on (their work is merged before its). */
  dependsOn?: readonly string[];
};

/** Where a task's branch starts: a commit-ish, then branches merged into it in order. */
export type Base = { start: string; merge: string[] };

/** The policy's answer: a base, or the first blocker (in merge order) that is not finished. */
export type BasePlan =
  | ({ ok: true } & Base)
  | { ok: false; blocker: { taskId: string; status: Status }; reason: string };

/**
 * The base of a task's branch: start from `main`, merge each done blocker's unmerged branch in the
 * blockers' topological order (ties by id). Refuses, naming the blocker, when one is not done or
 * cancelled.
 */
export function planBase(input: { main: string; blockers: readonly BlockerBase[] }): BasePlan {
  const ordered = topologicalOrder(input.blockers);
  const waiting = ordered.find((b) => b.status !== "done" && b.status !== "cancelled");
  if (waiting)
    return {
      ok: false,
      blocker: { taskId: waiting.taskId, status: waiting.status },
      reason: `blocker ${waiting.taskId} is ${waiting.status.replace("_", " ")}, not done: its work is not approved yet`,
    };
  const merge = ordered
    .filter((b) => b.status === "done" && b.branch !== null && !b.mergedIntoMain)
    .map((b) => b.branch as string);
  return { ok: true, start: input.main, merge: [...new Set(merge)] };
}

/**
 * The blockers ordered so that each comes after those of the list it depends on, ties (and any
 * cycle, which the graph refuses anyway) broken by id; the result does not depend on the input order.
 */
export function topologicalOrder<T extends { taskId: string; dependsOn?: readonly string[] }>(
  items: readonly T[],
): T[] {
  const byId = new Map<string, T>();
  for (const item of [...items].sort((a, b) => compareIds(a.taskId, b.taskId)))
    if (!byId.has(item.taskId)) byId.set(item.taskId, item);
  const placed = new Set<string>();
  const out: T[] = [];
  while (out.length < byId.size) {
    const free = [...byId.values()].filter(
      (item) => !placed.has(item.taskId) && (item.dependsOn ?? []).every((d) => placed.has(d) || !byId.has(d)),
    );
    // A cycle leaves nothing free: take the smallest id left, so the order is still total.
    const next = free[0] ?? [...byId.values()].find((item) => !placed.has(item.taskId));
    if (!next) break;
    placed.add(next.taskId);
    out.push(next);
  }
  return out;
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
