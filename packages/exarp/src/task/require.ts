import { NotFound, Refused } from "../errors-catalog.ts";
import type { Queries } from "../store/queries/index.ts";
import type { Task } from "./task.ts";

/** The task, or NotFound naming it: the first check of nearly every command. */
export function requireTask(q: Pick<Queries, "task">, id: string): Task {
  const task = q.task(id);
  if (!task) throw new NotFound({ kind: "task", id });
  return task;
}

/** Refuses a parent that sits below the task (the hierarchy stays a tree), naming the chain. */
export function checkParent(q: Pick<Queries, "ancestors">, taskId: string, parentId: string): void {
  if (parentId === taskId) return; // decideEdit names this case itself
  const above = [parentId, ...q.ancestors(parentId)];
  const at = above.indexOf(taskId);
  if (at >= 0) {
    const chain = [taskId, ...above.slice(0, at + 1)].reverse().join(" → ");
    throw new Refused({ reason: `${parentId} cannot be the parent of ${taskId}: it is below it (${chain})` });
  }
}
