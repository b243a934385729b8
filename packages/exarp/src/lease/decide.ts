import { LeaseConflict, Refused, StaleLease } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import type { Actor } from "../identity/identity.ts";
import { decideStatus } from "../task/decide.ts";
import type { Status, Task } from "../task/task.ts";
import { heldBy, holderName, type Lease, liveLease } from "./lease.ts";

/** What a claim decides: the events to append and what the caller learns. */
export type ClaimDecision =
  | { events: NewEvent[]; outcome: "acquired" | "renewed" }
  | { events: NewEvent[]; outcome: "held"; holder: Lease };

/**
 * Claiming: of any number of claimants exactly one wins (the transaction serialises them); the
 * holder claiming again renews; an expired lease is ended first and the task granted anew. Only
 * todo or in-progress tasks whose blockers are finished can be claimed; a todo task starts.
 */
export function decideClaim(
  task: Task,
  lease: Lease | undefined,
  openBlockers: readonly string[],
  actor: Actor,
  now: number,
  ttlMs: number,
): ClaimDecision {
  if (task.status !== "todo" && task.status !== "in_progress") {
    throw new Refused({
      reason: `${task.id} is ${task.status.replace("_", " ")}; only todo or in-progress tasks can be claimed`,
    });
  }
  if (openBlockers.length)
    throw new Refused({ reason: `${task.id} is not ready: it waits for ${openBlockers.join(", ")}` });
  const expiresAt = now + ttlMs;
  const live = liveLease(lease, now);
  if (live) {
    if (!heldBy(live, actor)) return { events: [], outcome: "held", holder: live };
    return {
      events: [{ type: "lease.renewed", payload: { taskId: task.id, token: live.token, expiresAt } }],
      outcome: "renewed",
    };
  }
  const events: NewEvent[] = lease ? [expiry(lease)] : [];
  events.push({
    type: "lease.acquired",
    payload: { taskId: task.id, agent: actor.name, session: actor.session, expiresAt },
  });
  // Starting the task is a status move like any other: the status machine decides it.
  if (task.status === "todo") events.push(...decideStatus(task, "in_progress", "claimed"));
  return { events, outcome: "acquired" };
}

/** Extends the caller's live lease. */
export function decideRenew(
  taskId: string,
  lease: Lease | undefined,
  actor: Actor,
  now: number,
  ttlMs: number,
): NewEvent[] {
  const live = liveLease(lease, now);
  if (!live) throw new StaleLease({ taskId, token: lease?.token ?? 0, current: null });
  if (!heldBy(live, actor)) throw conflict(live);
  return [{ type: "lease.renewed", payload: { taskId, token: live.token, expiresAt: now + ttlMs } }];
}

/** Ends the caller's lease; with `force`, anyone's (recorded as forced). The task keeps its status. */
export function decideRelease(
  taskId: string,
  lease: Lease | undefined,
  actor: Actor,
  now: number,
  force: boolean,
): NewEvent[] {
  if (!lease) throw new Refused({ reason: `${taskId} is not leased` });
  if (!liveLease(lease, now)) return [expiry(lease)];
  if (!heldBy(lease, actor) && !force) throw conflict(lease);
  return [
    {
      type: "lease.released",
      payload: { taskId, token: lease.token, reason: heldBy(lease, actor) ? "released" : "forced" },
    },
  ];
}

/** Expired leases end with `lease.expired`, and their in-progress tasks go back to todo. */
export function decideSweep(expired: readonly { lease: Lease; task: Task | undefined }[]): NewEvent[] {
  return expired.flatMap(({ lease, task }): NewEvent[] => [
    expiry(lease),
    ...(task?.status === "in_progress" ? decideStatus(task, "todo", `lease of ${holderName(lease)} expired`) : []),
  ]);
}

/**
 * Fencing: a write that carries a token must carry the live lease's token; a write without one is
 * refused while someone else holds a live lease.
 */
export function checkWrite(
  taskId: string,
  lease: Lease | undefined,
  actor: Actor,
  now: number,
  token: number | undefined,
): void {
  const live = liveLease(lease, now);
  if (token !== undefined) {
    if (live?.token !== token) throw new StaleLease({ taskId, token, current: live?.token ?? null });
    return;
  }
  if (live && !heldBy(live, actor)) throw conflict(live);
}

/** Moving to one of these ends the task's lease. */
const RELEASING: ReadonlySet<Status> = new Set(["todo", "review", "done", "cancelled"]);

/** The lease events a status move implies: leaving active work releases the lease. */
export function leaseEffects(taskId: string, lease: Lease | undefined, to: Status, now: number): NewEvent[] {
  if (!lease || !RELEASING.has(to)) return [];
  if (!liveLease(lease, now)) return [expiry(lease)];
  return [{ type: "lease.released", payload: { taskId, token: lease.token, reason: "status" } }];
}

function expiry(lease: Lease): NewEvent {
  return {
    type: "lease.expired",
    payload: {
      taskId: lease.taskId,
      token: lease.token,
      agent: lease.agent,
      session: lease.session,
      expiredAt: lease.expiresAt,
    },
  };
}

function conflict(lease: Lease): InstanceType<typeof LeaseConflict> {
  return new LeaseConflict({
    taskId: lease.taskId,
    holder: holderName(lease),
    expiresAt: lease.expiresAt,
    token: lease.token,
  });
}
