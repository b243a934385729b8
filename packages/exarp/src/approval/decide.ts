import { ApprovalRequired, Refused, Unauthorized } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import { type Actor, isPerson } from "../identity/identity.ts";
import type { Status, Task } from "../task/task.ts";
import type { Approval } from "./approval.ts";

/** The gate: review → done only with an approve decision on the latest request. */
export function checkApproved(task: Task, to: Status, latest: Approval | undefined): void {
  if (task.status === "review" && to === "done" && latest?.state !== "approved") {
    throw new ApprovalRequired({ taskId: task.id, state: latest?.state ?? "none" });
  }
}

/** Moving to review opens a request; leaving review any other way than a decision withdraws it. */
export function approvalEffects(task: Task, to: Status, latest: Approval | undefined, actor: Actor): NewEvent[] {
  if (to === "review") {
    return [
      {
        type: "approval.requested",
        payload: { taskId: task.id, requestedBy: actor.name, requestedSession: actor.session },
      },
    ];
  }
  if (task.status === "review" && to !== "done" && latest?.state === "pending") {
    return [
      {
        type: "approval.withdrawn",
        payload: { taskId: task.id, requestId: latest.id, reason: `moved to ${to.replace("_", " ")}` },
      },
    ];
  }
  return [];
}

/**
 * Refuses a decision that cannot be taken: the task is not in review, the decider is not a person
 * (review → done is a person's call), or the decider is the one who asked for the review.
 */
export function checkDecision(
  task: Task,
  request: Pick<Approval, "requestedBy" | "requestedSession">,
  actor: Actor,
): void {
  if (task.status !== "review")
    throw new Refused({ reason: `${task.id} is ${task.status.replace("_", " ")}, not in review` });
  if (!isPerson(actor)) {
    throw new Unauthorized({
      reason: `${actor.name} is not a person: only a person (an identity starting with user:) decides on the review of ${task.id}`,
    });
  }
  if (request.requestedBy === actor.name) {
    throw new Unauthorized({
      reason: `${actor.name} asked for the review of ${task.id} and cannot decide on it; any other person (user:…) can`,
    });
  }
}

/** The decision event; the caller adds the move it implies (done, or back to in progress). */
export function decisionEvent(
  task: Task,
  requestId: number,
  outcome: "approved" | "denied",
  reason: string | undefined,
): NewEvent {
  return { type: "approval.decided", payload: { taskId: task.id, requestId, outcome, ...(reason ? { reason } : {}) } };
}
