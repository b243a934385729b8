import { isFinished } from "../task/task.ts";
import { cyclicComponents } from "./cycles.ts";
import { buildGraph, type Graph, type GraphTask, satisfies, sortForWork } from "./graph.ts";

/**
 * Why an unfinished task is in no wave: it depends on an unknown task, it is part of a cycle, or it
 * waits (transitively) on a task that is one of those. `via` names the task to look at.
 */
export type Unschedulable = { id: string; reason: "unknown-dependency" | "cycle" | "waits"; via: string };

export type Waves = {
  /** Wave k holds tasks whose unfinished blockers all sit in earlier waves; in work order. */
  waves: string[][];
  maxParallelism: number;
  unschedulable: Unschedulable[];
};

/**
 * Kahn levels over unfinished work: finished tasks satisfy dependencies and are not scheduled.
 * With `cap`, each wave takes at most `cap` tasks in work order and the rest wait for the next one
 * (list scheduling); without it, waves are exactly the Kahn levels. Tasks behind an unknown
 * dependency or a cycle can never start and are reported instead of scheduled.
 */
export function computeWaves(g: Graph, cap = Number.POSITIVE_INFINITY): Waves {
  const pending = new Map<string, number>();
  const unschedulable: Unschedulable[] = [];
  const stuck = new Set<string>();
  for (const t of g.tasks.values()) {
    if (isFinished(t.status)) continue;
    const blockers = g.dependsOn.get(t.id) ?? [];
    const unknown = blockers.find((b) => !g.tasks.has(b));
    if (unknown) {
      stuck.add(t.id);
      unschedulable.push({ id: t.id, reason: "unknown-dependency", via: unknown });
    }
    pending.set(t.id, blockers.filter((b) => g.tasks.has(b) && !satisfies(g, b)).length);
  }
  let available = [...pending].filter(([id, n]) => n === 0 && !stuck.has(id)).map(([id]) => id);
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (available.length) {
    const ordered = sortForWork(g, available);
    const wave = ordered.slice(0, cap);
    const waiting = ordered.slice(wave.length);
    waves.push(wave);
    const released: string[] = [];
    for (const id of wave) {
      placed.add(id);
      for (const d of g.dependents.get(id) ?? []) {
        const left = pending.get(d);
        if (left === undefined) continue;
        pending.set(d, left - 1);
        if (left === 1 && !stuck.has(d)) released.push(d);
      }
    }
    available = [...waiting, ...released];
  }
  const left = [...pending.keys()].filter((id) => !placed.has(id) && !stuck.has(id));
  if (left.length) {
    const rest = new Set(left);
    const sub = buildGraph(
      left.map((id) => g.tasks.get(id) as GraphTask),
      left.flatMap((id) => (g.dependsOn.get(id) ?? []).filter((b) => rest.has(b)).map((b) => [id, b] as const)),
    );
    const inCycle = new Map<string, string>();
    for (const component of cyclicComponents(sub)) for (const id of component) inCycle.set(id, component.join(" "));
    for (const id of left) {
      const blocker = (g.dependsOn.get(id) ?? []).find((b) => pending.has(b) && !placed.has(b)) ?? id;
      if (inCycle.has(id)) unschedulable.push({ id, reason: "cycle", via: blocker });
      else unschedulable.push({ id, reason: "waits", via: blocker });
    }
  }
  return { waves, maxParallelism: Math.max(0, ...waves.map((w) => w.length)), unschedulable };
}
