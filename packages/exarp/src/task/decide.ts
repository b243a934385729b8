import type { z } from "zod";
import { CycleDetected, NotFound, Refused, VersionConflict } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import type { DependencyChange, TaskCreate, TaskEdit } from "./commands.ts";
import { assertTransition } from "./status.ts";
import { normalizeTags, type Status, type Task, type TaskFields } from "./task.ts";

/** Refuses a write that expected another version of the task. */
export function checkVersion(task: Task, expected: number | undefined): void {
  if (expected !== undefined && expected !== task.version) {
    throw new VersionConflict({ id: task.id, expected, actual: task.version });
  }
}

/** Events for a new task and its first dependencies (their existence is checked by the caller). */
export function decideCreate(id: string, input: z.output<typeof TaskCreate>): NewEvent[] {
  const { dependsOn, ...fields } = input;
  const task = { ...fields, id, status: "todo" as const, tags: normalizeTags(fields.tags) };
  return [
    { type: "task.created", payload: { task } },
    ...[...new Set(dependsOn)].map((blockerId) => ({
      type: "dependency.added" as const,
      payload: { taskId: id, blockerId },
    })),
  ];
}

/** One `task.edited` with the fields that really change, or none when nothing does. */
export function decideEdit(task: Task, input: z.output<typeof TaskEdit>): NewEvent[] {
  checkVersion(task, input.expectedVersion);
  const { id, expectedVersion, lease, ...patch } = input;
  const changes: Partial<TaskFields> = {};
  const previous: Partial<TaskFields> = {};
  for (const key of Object.keys(patch) as (keyof TaskFields)[]) {
    const raw = patch[key];
    if (raw === undefined) continue;
    const value = key === "tags" ? normalizeTags(raw as string[]) : raw;
    if (JSON.stringify(value) === JSON.stringify(task[key])) continue;
    Object.assign(changes, { [key]: value });
    Object.assign(previous, { [key]: task[key] });
  }
  if (changes.parentId && changes.parentId === task.id) {
    throw new Refused({ reason: `${task.id} cannot be its own parent` });
  }
  return Object.keys(changes).length === 0 ? [] : [{ type: "task.edited", payload: { taskId: id, changes, previous } }];
}

/** A workflow move; the status machine refuses illegal ones with the allowed moves named. */
export function decideStatus(task: Task, to: Status, reason?: string, expectedVersion?: number): NewEvent[] {
  checkVersion(task, expectedVersion);
  assertTransition(task.id, task.status, to);
  return [
    { type: "task.status_changed", payload: { taskId: task.id, from: task.status, to, ...(reason ? { reason } : {}) } },
  ];
}

/** What deciding a dependency needs to know about the graph. */
export type DependencyView = {
  blockerExists: boolean;
  exists: boolean;
  /** A dependency path from the blocker back to the task, if one exists (adding would close it). */
  pathBack: string[] | undefined;
};

/** Adds `task depends on blocker`, refusing self-dependencies, unknown blockers and cycles (named). */
export function decideAddDependency(
  task: Task,
  input: z.output<typeof DependencyChange>,
  view: DependencyView,
): NewEvent[] {
  checkVersion(task, input.expectedVersion);
  if (input.blockerId === task.id) throw new Refused({ reason: `${task.id} cannot depend on itself` });
  if (!view.blockerExists) throw new NotFound({ kind: "task", id: input.blockerId });
  if (view.exists) throw new Refused({ reason: `${task.id} already depends on ${input.blockerId}` });
  if (view.pathBack) throw new CycleDetected({ cycle: [task.id, ...view.pathBack] });
  return [{ type: "dependency.added", payload: { taskId: task.id, blockerId: input.blockerId } }];
}

/** Removes `task depends on blocker`. */
export function decideRemoveDependency(
  task: Task,
  input: z.output<typeof DependencyChange>,
  exists: boolean,
): NewEvent[] {
  checkVersion(task, input.expectedVersion);
  if (!exists) throw new Refused({ reason: `${task.id} does not depend on ${input.blockerId}` });
  return [{ type: "dependency.removed", payload: { taskId: task.id, blockerId: input.blockerId } }];
}
