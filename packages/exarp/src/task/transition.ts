import { approvalEffects, checkApproved } from "../approval/decide.ts";
import type { NewEvent } from "../event/catalog.ts";
import type { Actor } from "../identity/identity.ts";
import { checkWrite, leaseEffects } from "../lease/decide.ts";
import type { Queries } from "../store/queries/index.ts";
import { decideStatus } from "./decide.ts";
import type { Status, Task } from "./task.ts";

/** A status move as every entry point asks for it. */
export type Transition = {
  task: Task;
  to: Status;
  actor: Actor;
  now: number;
  reason?: string;
  expectedVersion?: number;
  /** The caller's fencing token, when it holds a lease. */
  lease?: number;
};

/**
 * All the events of one status move, with every rule applied: the status machine, lease fencing,
 * the approval gate; plus what the move implies (release the lease, open or withdraw a request).
 */
export function transitionEvents(q: Queries, t: Transition): NewEvent[] {
  const lease = q.lease(t.task.id);
  const latest = q.latestApproval(t.task.id);
  const events = decideStatus(t.task, t.to, t.reason, t.expectedVersion);
  checkWrite(t.task.id, lease, t.actor, t.now, t.lease);
  checkApproved(t.task, t.to, latest);
  return [...events, ...leaseEffects(t.task.id, lease, t.to, t.now), ...approvalEffects(t.task, t.to, latest, t.actor)];
}
