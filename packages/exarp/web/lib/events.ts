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
