import { LeaseConflict } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import type { Actor } from "../identity/identity.ts";
import { decideClaim } from "../lease/decide.ts";
import { holderName, type Lease, liveLease } from "../lease/lease.ts";
import type { Task } from "../task/task.ts";

/** One attempt as the runner records it when it starts. */
export type AttemptStart = { attempt: number; worktree: string | null; branch: string | null };

/**
 * Starting an attempt: the task is claimed for the attempt's OpenCode session (the runner's own lease
 * of an earlier attempt is released first, so the lease always names the session at work), and the
 * start is recorded in the runner's stream. Someone else's live lease refuses it.
 */
export function decideStart(
  task: Task,
  lease: Lease | undefined,
  openBlockers: readonly string[],
  actor: Actor & { session: string },
  now: number,
  ttlMs: number,
  start: AttemptStart,
): NewEvent[] {
  const live = liveLease(lease, now);
  const events: NewEvent[] = [];
  let current = lease;
  if (live && live.agent === actor.name && live.session !== actor.session) {
    events.push({ type: "lease.released", payload: { taskId: task.id, token: live.token, reason: "released" } });
    current = undefined;
  }
  const claim = decideClaim(task, current, openBlockers, actor, now, ttlMs);
  if (claim.outcome === "held")
    throw new LeaseConflict({
      taskId: task.id,
      holder: holderName(claim.holder),
      expiresAt: claim.holder.expiresAt,
      token: claim.holder.token,
    });
  events.push(...claim.events, {
    type: "runner.session_started",
    payload: { runner: actor.name, taskId: task.id, session: actor.session, ...start },
  });
  return events;
}
