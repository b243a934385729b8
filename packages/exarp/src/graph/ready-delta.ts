import type { StoredEvent } from "../event/catalog.ts";

/**
 * The tasks whose ready-set rows `events` can have changed, apart from the tasks those wait on or
 * that wait on them (whose counts move with them): undefined when that cannot be told from the
 * events alone, and the ready set must be read whole. A deleted task's blockers are gone from the
 * dependency table with it, so a deletion is such a case.
 */
export function readyTouchedBy(events: readonly StoredEvent[]): string[] | undefined {
  const touched = new Set<string>();
  for (const event of events) {
    switch (event.type) {
      case "task.created":
        touched.add(event.payload.task.id);
        break;
      case "task.edited":
      case "task.status_changed":
      case "lease.acquired":
      case "lease.renewed":
      case "lease.released":
      case "lease.expired":
        touched.add(event.payload.taskId);
        break;
      case "dependency.added":
      case "dependency.removed":
        touched.add(event.payload.taskId);
        touched.add(event.payload.blockerId);
        break;
      case "comment.added":
      case "comment.removed":
      case "approval.requested":
      case "approval.decided":
      case "approval.timed_out":
      case "approval.withdrawn":
      case "token.created":
      case "token.revoked":
      case "sprint.started":
      case "sprint.ended":
      case "runner.session_started":
      case "runner.session_finished":
      case "runner.session_retried":
      case "runner.session_abandoned":
        break;
      default:
        return undefined;
    }
  }
  return [...touched];
}
