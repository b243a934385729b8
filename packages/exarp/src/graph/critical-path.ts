import { isFinished } from "../task/task.ts";
import type { Graph } from "./graph.ts";
import { computeWaves } from "./waves.ts";

export type CriticalPath = {
  /** From the first task to start to the last to finish. */
  tasks: string[];
  /** Sum of the path's weights: estimates in minutes, 1 where a task has none. */
  total: number;
};

/** Weight of a task on the critical path: its estimate, or 1 when it has none. */
export const weightOf = (estimate: number | null): number => estimate ?? 1;

/**
 * The longest chain of unfinished work, weighted by estimates: the least time the remaining plan
 * can take however many agents work on it. Uses the wave order as a topological order.
 */
export function criticalPath(g: Graph, waves = computeWaves(g).waves): CriticalPath {
  const finish = new Map<string, number>();
  const via = new Map<string, string>();
  let end: string | undefined;
  for (const wave of waves) {
    for (const id of wave) {
      let best = 0;
      for (const b of g.dependsOn.get(id) ?? []) {
        const t = g.tasks.get(b);
        if (!t || isFinished(t.status)) continue;
        const f = finish.get(b) ?? 0;
        if (f > best) {
          best = f;
          via.set(id, b);
        }
      }
      const total = best + weightOf(g.tasks.get(id)?.estimate ?? null);
      finish.set(id, total);
      if (end === undefined || total > (finish.get(end) as number)) end = id;
    }
  }
  if (end === undefined) return { tasks: [], total: 0 };
  const tasks = [end];
  for (let at = via.get(end); at !== undefined; at = via.get(at)) tasks.push(at);
  return { tasks: tasks.reverse(), total: finish.get(end) as number };
}
