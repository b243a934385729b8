import type { StoredEvent } from "./catalog.ts";

const label = (status: string) => status.replace("_", " ");

/** One short line saying what an event did, for people and for agent context. */
export function describeEvent(e: StoredEvent): string {
  switch (e.type) {
    case "task.created":
      return `${e.payload.task.id} created: ${e.payload.task.title}`;
    case "task.edited":
      return `${e.payload.taskId} edited: ${Object.keys(e.payload.changes).join(", ")}`;
    case "task.status_changed":
      return `${e.payload.taskId} ${label(e.payload.from)} → ${label(e.payload.to)}${e.payload.reason ? ` (${e.payload.reason})` : ""}`;
    case "task.deleted":
      return `${e.payload.taskId} removed`;
    case "dependency.added":
      return `${e.payload.taskId} now depends on ${e.payload.blockerId}`;
    case "dependency.removed":
      return `${e.payload.taskId} no longer depends on ${e.payload.blockerId}`;
    case "comment.added":
      return `${e.payload.taskId} comment: ${oneLine(e.payload.body, 80)}`;
    case "comment.removed":
      return `${e.payload.taskId} comment ${e.payload.commentId} removed`;
  }
}

/** Collapses whitespace and cuts to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
