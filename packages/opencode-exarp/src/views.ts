import type { Actor, ContextRole, ContextTask, Exarp } from "exarp";
import { taskLine } from "./board.ts";
import { reminderLine } from "./reminder.ts";
import { type RunnerTaskView, runnerContext } from "./runner-text.ts";
import { isHeavy } from "./thinking.ts";

/**
 * What the hooks read from the project, each answer computed once per view of the store and served
 * from memory. The key is `feed.viewKey(now)`, which changes on any commit by anyone and when a lease
 * runs out, so a hook whose answer did not change costs one `PRAGMA data_version`, not a query.
 */
export function createViews(exarp: Exarp, now: () => number = Date.now) {
  const cache = new Map<string, { key: string; value: unknown }>();
  const cached = <T>(name: string, compute: () => T): T => {
    const key = exarp.feed.viewKey(now());
    const hit = cache.get(name);
    if (hit?.key === key) return hit.value as T;
    const value = compute();
    cache.set(name, { key, value });
    return value;
  };
  const id = (actor: Actor) => `${actor.name}\u0000${actor.session ?? ""}`;

  const views = {
    /** The budgeted task context of one identity and role. */
    context(actor: Actor, role: ContextRole, budget?: number): string {
      return cached(`${id(actor)}|context|${role}|${budget ?? ""}`, () =>
        exarp.as(actor).context.render({ role, budget }),
      );
    },

    /** The identity's own tasks (leased, or in review at its request). */
    mine(actor: Actor): ContextTask[] {
      return cached(`${id(actor)}|mine`, () => exarp.as(actor).context.data({ ready: 0 }).mine);
    },

    /** The reminder line for the identity's own tasks, if it has any. */
    reminder(actor: Actor): string | undefined {
      return cached(`${id(actor)}|reminder`, () => reminderLine(views.mine(actor)));
    },

    /** A runner session's context: its one task, nothing else (runner mode). */
    runnerContext(actor: Actor, taskId: string): string {
      return cached(`${id(actor)}|runner|${taskId}`, () => runnerContext(readRunnerTask(exarp, actor, taskId)));
    },

    /** Whether the identity holds a task that deserves more thinking. */
    heavy(actor: Actor): boolean {
      return cached(`${id(actor)}|heavy`, () =>
        exarp
          .as(actor)
          .leases.mine()
          .some((l) => isHeavy(exarp.tasks.find(l.taskId))),
      );
    },
  };
  return views;
}

export type Views = ReturnType<typeof createViews>;

/** What a runner session's context shows of its task: the task, what depends on it, the session's lease. */
export function readRunnerTask(exarp: Exarp, actor: Actor, taskId: string): RunnerTaskView {
  const task = exarp.tasks.find(taskId);
  if (!task) return { taskId, dependents: [] };
  const lease = exarp
    .as(actor)
    .leases.mine()
    .find((l) => l.taskId === taskId);
  return {
    taskId,
    line: taskLine(task),
    status: task.status,
    dependents: exarp.tasks.get(taskId).dependents,
    ...(lease ? { lease: { token: lease.token, holder: actor.name, expiresAt: lease.expiresAt } } : {}),
  };
}
