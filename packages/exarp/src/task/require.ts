import { NotFound, Refused } from "../errors-catalog.ts";
import type { Queries } from "../store/queries/index.ts";
import { FOREIGN_SYSTEMS, type ForeignSystem, type Task } from "./task.ts";

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

const PREFIXED = new RegExp(`^(${FOREIGN_SYSTEMS.join("|")}):(.+)$`);

/**
 * The imported task a foreign id names: `taskmaster:42`, or `42` when only one imported task has
 * it; undefined when none does. Two imported tasks with the same bare id are refused, naming the
 * prefixed forms that tell them apart.
 */
export function foreignTaskId(q: Pick<Queries, "tasksByForeignId">, ref: string): string | undefined {
  const prefixed = PREFIXED.exec(ref);
  const matches = prefixed
    ? q.tasksByForeignId(prefixed[2] as string, prefixed[1] as ForeignSystem)
    : q.tasksByForeignId(ref);
  if (matches.length > 1)
    throw new Refused({
      reason: `${ref} names ${matches.length} imported tasks: ${matches
        .slice(0, 5)
        .map((m) => `${m.system}:${m.foreignId} (${m.taskId})`)
        .join(", ")}; name one by its exarp id${prefixed ? "" : " or with its tool's prefix"}`,
    });
  return matches[0]?.taskId;
}

/** The task id a reference names: the id itself when a task has it, else an imported task's (see foreignTaskId). */
export function resolveTaskRef(q: Pick<Queries, "taskExists" | "tasksByForeignId">, ref: string): string {
  if (q.taskExists(ref)) return ref;
  return foreignTaskId(q, ref) ?? ref;
}
