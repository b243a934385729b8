import type { Approval } from "../approval/approval.ts";
import { Refused } from "../errors-catalog.ts";
import type { NewEvent, StoredEvent, TaskSnapshot } from "../event/catalog.ts";

/** What inverting needs to know about the current state (read inside the undo transaction). */
export type InvertState = {
  /** The task as it is now, to record what a creation's undo removes. */
  snapshot(taskId: string): TaskSnapshot | undefined;
  /** The newest approval request of a task. */
  latestApproval(taskId: string): Approval | undefined;
  approval(id: number): Approval | undefined;
};

/**
 * The compensating event for one stored event, given the current state. Undo appends these in
 * reverse order; it never deletes from the log.
 */
export function invertEvent(event: StoredEvent, state: InvertState): NewEvent {
  switch (event.type) {
    case "task.created": {
      const snapshot = state.snapshot(event.payload.task.id);
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
        // No reason: the event is marked as an undo, and history says which change it undid.
        payload: { taskId: event.payload.taskId, from: event.payload.to, to: event.payload.from },
      };
    case "dependency.added":
      return { type: "dependency.removed", payload: event.payload };
    case "dependency.removed":
      return { type: "dependency.added", payload: event.payload };
    case "comment.added":
      return { type: "comment.removed", payload: { taskId: event.payload.taskId, commentId: event.payload.commentId } };
    case "approval.requested": {
      // Withdraw the request that is open now (a later undo may have opened a fresh one).
      const open = state.latestApproval(event.payload.taskId);
      const requestId = open?.state === "pending" ? open.id : event.seq;
      return {
        type: "approval.withdrawn",
        payload: { taskId: event.payload.taskId, requestId, reason: "undone" },
      };
    }
    case "approval.withdrawn": {
      const request = state.approval(event.payload.requestId);
      return {
        type: "approval.requested",
        payload: {
          taskId: event.payload.taskId,
          requestedBy: request?.requestedBy ?? "unknown",
          requestedSession: request?.requestedSession ?? null,
        },
      };
    }
    case "token.created":
    case "token.revoked":
      throw tokenRefusal(event);
    default:
      if (event.type.startsWith("sprint.") || event.type.startsWith("runner.")) {
        throw new Refused({
          reason: `#${event.command} includes ${event.type}: sprint and runner records are not undone; they are the record of what happened`,
        });
      }
      if (event.type.startsWith("lease.") || event.type.startsWith("approval.")) {
        throw new Refused({
          reason: `#${event.command} includes ${event.type}: leases and decisions are not undone; claim, release or decide again instead`,
        });
      }
      throw new Refused({
        reason: `event #${event.seq} (${event.type}) is itself a compensation and cannot be undone`,
      });
  }
}

/** Why a command holding a token event is not undone: a secret may already be in use, and a revocation is final. */
function tokenRefusal(event: StoredEvent): Error {
  return new Refused({
    reason:
      event.type === "token.revoked"
        ? `#${event.command} revoked a token: a revocation is final; create a new token instead`
        : `#${event.command} created a token: tokens are not undone; revoke the token instead`,
  });
}

/** Refuses a command that holds a token event, before any other check could name a lesser reason. */
export function checkInvertible(undone: readonly StoredEvent[]): void {
  const token = undone.find((e) => e.type.startsWith("token."));
  if (token) throw tokenRefusal(token);
}
