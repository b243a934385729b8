import { NotFound } from "../errors-catalog.ts";
import type { Queries } from "../store/queries.ts";
import type { Task } from "./task.ts";

/** The task, or NotFound naming it: the first check of nearly every command. */
export function requireTask(q: Pick<Queries, "task">, id: string): Task {
  const task = q.task(id);
  if (!task) throw new NotFound({ kind: "task", id });
  return task;
}
