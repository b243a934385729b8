import { Refused } from "../errors-catalog.ts";
import type { NewEvent, StoredEvent, TaskSnapshot } from "../event/catalog.ts";

/**
 * The compensating event for one stored event (pure). Undo appends these in reverse order; it never
 * deletes from the log. `snapshot` is the current state of the task, needed to undo a creation.
 */
export function invertEvent(event: StoredEvent, snapshot: TaskSnapshot | undefined): NewEvent {
  switch (event.type) {
    case "task.created": {
      if (!snapshot) throw new Refused({ reason: `task ${event.payload.task.id} no longer exists` });
      return { type: "task.deleted", payload: { taskId: event.payload.task.id, snapshot } };
    }
    case "task.edited":
      return {
        type: "task.edited",
        payload: { taskId: event.payload.taskId, changes: event.payload.previous, previous: event.payload.changes },
      };
    case "task.status_changed":
      return {
        type: "task.status_changed",
        payload: {
          taskId: event.payload.taskId,
          from: event.payload.to,
          to: event.payload.from,
          reason: `undo of #${event.seq}`,
        },
      };
    case "dependency.added":
      return { type: "dependency.removed", payload: event.payload };
    case "dependency.removed":
      return { type: "dependency.added", payload: event.payload };
    case "comment.added":
      return { type: "comment.removed", payload: { taskId: event.payload.taskId, commentId: event.payload.commentId } };
    default:
      throw new Refused({
        reason: `event #${event.seq} (${event.type}) is itself a compensation and cannot be undone`,
      });
  }
}
