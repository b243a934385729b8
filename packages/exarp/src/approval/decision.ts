import type { StoredEvent } from "../event/catalog.ts";
import type { Ids } from "../id.ts";
import type { Actor } from "../identity/identity.ts";
import type { Tx } from "../store/store.ts";
import type { Task } from "../task/task.ts";
import { transitionEvents } from "../task/transition.ts";
import type { Approval } from "./approval.ts";
import { checkDecision, decisionEvent } from "./decide.ts";

/** The pending request of a task in review, opening a fresh one when the last closed without a decision. */
export function pendingRequest(tx: Tx, task: Task): Approval {
  const latest = tx.latestApproval(task.id);
  if (latest?.state === "pending") return latest;
  const [requested] = tx.append([
    {
      type: "approval.requested",
      payload: {
        taskId: task.id,
        requestedBy: latest?.requestedBy ?? "unknown",
        requestedSession: latest?.requestedSession ?? null,
      },
    },
  ]);
  return tx.approval((requested as StoredEvent).seq) as Approval;
}

/**
 * A decision on a task in review, inside the caller's transaction, with every rule applied: a
 * person other than the requester decides; approval moves the task to done, denial back to in
 * progress with the reason as a comment the agent reads. Both moves go through the one status path.
 */
export function appendDecision(
  tx: Tx,
  d: { task: Task; outcome: "approved" | "denied"; reason: string | undefined; actor: Actor; now: number; ids: Ids },
): void {
  const { task, outcome, reason, actor, now } = d;
  const request =
    task.status === "review" ? pendingRequest(tx, task) : { requestedBy: "", requestedSession: null, id: 0 };
  checkDecision(task, request, actor);
  tx.append([decisionEvent(task, request.id, outcome, reason)]);
  if (outcome === "approved") {
    tx.append(transitionEvents(tx, { task, to: "done", actor, now, reason: reason ?? "approved" }));
    return;
  }
  tx.append([
    ...transitionEvents(tx, { task, to: "in_progress", actor, now, reason: `denied: ${reason}` }),
    {
      type: "comment.added",
      payload: { taskId: task.id, commentId: d.ids.commentId(), body: `Review denied: ${reason}` },
    },
  ]);
}
