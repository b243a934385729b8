import { Refused } from "../errors-catalog.ts";
import type { NewEvent } from "../event/catalog.ts";
import { checkWriter, runCommand, type ServiceContext } from "../kernel/context.ts";
import type { Lease } from "../lease/lease.ts";
import { DEFAULT_LEASE_TTL_MS } from "../lease/lease.ts";
import type { Tx } from "../store/store.ts";
import { requireTask } from "../task/require.ts";
import { MAX_COMMENT, type TaskDetail } from "../task/task.ts";
import { transitionEvents } from "../task/transition.ts";
import { neutralizeBlock } from "../text/safe.ts";
import { type AttemptStart, decideStart } from "./decide.ts";
import { type RunnerTaskState, readRunnerState, runnerSessionOf, runningSessions } from "./state.ts";

/**
 * The runners' records. Reads: what each runner did, what runs now, whose task a session works.
 * Writes (the caller acts as the runner, with the attempt's OpenCode session as its session): each
 * step of an attempt is one command that applies every rule (status machine, lease, approval gate).
 */
export function createRunsService(ctx: ServiceContext, ttlMs = DEFAULT_LEASE_TTL_MS) {
  const session = (): string => {
    checkWriter(ctx.actor);
    if (!ctx.actor.session) throw new Refused({ reason: "a runner acts with the OpenCode session as its session" });
    return ctx.actor.session;
  };
  const record = (tx: Tx, taskId: string, events: NewEvent[]) => {
    tx.append(events);
    return tx.taskDetail(taskId, ctx.clock.now()) as TaskDetail;
  };
  const comment = (taskId: string, body: string): NewEvent => ({
    type: "comment.added",
    payload: { taskId, commentId: ctx.ids.commentId(), body: clip(neutralizeBlock(body), MAX_COMMENT) },
  });

  return {
    /** Each task's latest attempt by one runner identity. */
    of(runner: string): RunnerTaskState[] {
      return [...readRunnerState(ctx.store, runner).values()];
    },
    /** The runner sessions working now (a live lease and a started, unended session). */
    running(): (RunnerTaskState & { expiresAt: number })[] {
      return runningSessions(ctx.store, ctx.clock.now());
    },
    /** The runner task an OpenCode session works, if the session is a runner's (the plugin's runner mode). */
    sessionOf(openCodeSession: string): RunnerTaskState | undefined {
      const now = ctx.clock.now();
      const lease = ctx.store.leases().find((l) => l.session === openCodeSession && l.expiresAt > now);
      return runnerSessionOf(ctx.store, lease);
    },

    /** Claims the task for this attempt's session (for `leaseMs`, default the lease length) and records the start. */
    start(taskId: string, start: AttemptStart, leaseMs = ttlMs): Lease {
      const id = session();
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, taskId);
        const now = ctx.clock.now();
        const actor = { name: ctx.actor.name, session: id };
        tx.append(decideStart(task, tx.lease(taskId), tx.openBlockerIds(taskId), actor, now, leaseMs, start));
        return tx.lease(taskId) as Lease;
      }).result;
    },

    /** The session's result as a comment, the task to review (asking for approval), the attempt finished. */
    finish(taskId: string, result: string): TaskDetail {
      const id = session();
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, taskId);
        const now = ctx.clock.now();
        return record(tx, taskId, [
          comment(taskId, result),
          ...transitionEvents(tx, {
            task,
            to: "review",
            actor: ctx.actor,
            now,
            reason: "the runner's session finished",
          }),
          { type: "runner.session_finished", payload: { runner: ctx.actor.name, taskId, session: id } },
        ]);
      }).result;
    },

    /** A failed attempt that will be tried again at `retryAt`; the task keeps its lease meanwhile. */
    retry(taskId: string, failure: { attempt: number; error: string; retryAt: number }): void {
      const id = session();
      runCommand(ctx, (tx) => {
        requireTask(tx, taskId);
        tx.append([
          {
            type: "runner.session_retried",
            payload: { runner: ctx.actor.name, taskId, session: id, ...failure, error: clip(failure.error, 2000) },
          },
        ]);
      });
    },

    /**
     * The last attempt failed (or none could start: no session then): the error as a comment, the
     * task blocked and the runner's lease released.
     */
    abandon(taskId: string, error: string): TaskDetail {
      checkWriter(ctx.actor);
      const id = ctx.actor.session;
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, taskId);
        const now = ctx.clock.now();
        const lease = tx.lease(taskId);
        const held = lease && lease.expiresAt > now && lease.agent === ctx.actor.name ? lease : undefined;
        const events: NewEvent[] = [comment(taskId, `The runner gave up on ${taskId}: ${error}`)];
        if (task.status === "in_progress" || task.status === "todo")
          events.push(
            ...transitionEvents(tx, { task, to: "blocked", actor: ctx.actor, now, reason: "runner gave up" }),
          );
        if (held) events.push({ type: "lease.released", payload: { taskId, token: held.token, reason: "released" } });
        events.push({
          type: "runner.session_abandoned",
          payload: { runner: ctx.actor.name, taskId, session: id, error: clip(error, 2000) },
        });
        return record(tx, taskId, events);
      }).result;
    },

    /** A note on the task from the runner (a refused permission request, say). */
    note(taskId: string, body: string): void {
      runCommand(ctx, (tx) => {
        requireTask(tx, taskId);
        tx.append([comment(taskId, body)]);
      });
    },
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
