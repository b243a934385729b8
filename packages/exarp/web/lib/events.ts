// Reading stream events without caring which kind they are.
import type { StreamEvent } from "./types.ts";

/** The task an event is about, when it is about one. */
export function subjectOf(event: StreamEvent): string | undefined {
  if (event.type === "task.created") return event.payload.task.id;
  const payload = event.payload as { taskId?: unknown };
  return typeof payload.taskId === "string" ? payload.taskId : undefined;
}

/** The other task a dependency event names (the blocker), when it is one. */
export function blockerOf(event: StreamEvent): string | undefined {
  return event.type === "dependency.added" || event.type === "dependency.removed" ? event.payload.blockerId : undefined;
}

/** True when an event may change the approval queue: an approval's own events, a move into or out of review, a deletion. */
export function touchesApprovals(event: StreamEvent): boolean {
  if (event.type === "task.status_changed") return event.payload.from === "review" || event.payload.to === "review";
  return event.type.startsWith("approval.") || event.type === "task.deleted";
}
