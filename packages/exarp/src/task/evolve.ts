import type { StoredEvent, StoredEventOf } from "../event/catalog.ts";
import { normalizeTags, type Task } from "./task.ts";

/** The task a `task.created` event brings into being. */
export function createdTask(event: StoredEventOf<"task.created">): Task {
  const t = event.payload.task;
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    tags: normalizeTags(t.tags),
    parentId: t.parentId,
    estimate: t.estimate,
    assignee: t.assignee,
    createdAt: t.createdAt ?? event.time,
    updatedAt: event.time,
    version: 1,
  };
}

/**
 * Applies one event to the task it concerns (pure). Every event that changes a task, including
 * a dependency added to it, bumps its version; comments do not, so they never cause conflicts.
 */
export function evolveTask(task: Task, event: StoredEvent): Task {
  const touched = { updatedAt: event.time, version: task.version + 1 };
  switch (event.type) {
    case "task.edited": {
      const changes = event.payload.changes;
      return {
        ...task,
        ...changes,
        tags: changes.tags ? normalizeTags(changes.tags) : task.tags,
        ...touched,
      };
    }
    case "task.status_changed":
      return { ...task, status: event.payload.to, ...touched };
    case "dependency.added":
    case "dependency.removed":
      return { ...task, ...touched };
    default:
      return task;
  }
}
