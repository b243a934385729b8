import type { Graph } from "./graph.ts";
import { computeWaves, waveNodes } from "./waves.ts";

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
  const { n, ids, finished, depStart, dep } = g.ix;
  const { estimates } = g.ix.tasks;
  // One slot per node, plus a last one shared by ids the graph has never heard of (weight 1, no blockers).
  const stranger = ids.length;
  const finish = new Float64Array(stranger + 1);
  const via = new Int32Array(stranger + 1).fill(-1);
  let end = -1;
  let endId = "";
  const nodesOfWaves = waveNodes(g.ix, waves);
  for (let w = 0; w < waves.length; w++) {
    const wave = waves[w] as string[];
    const nodes = nodesOfWaves[w] as Int32Array;
    for (let k = 0; k < wave.length; k++) {
      const id = wave[k] as string;
      const i = nodes[k] === -1 ? stranger : (nodes[k] as number);
      let best = 0;
      if (i < n) {
        for (let j = depStart[i] as number; j < (depStart[i + 1] as number); j++) {
          const b = dep[j] as number;
          if (b >= n || finished[b]) continue;
          if ((finish[b] as number) > best) {
            best = finish[b] as number;
            via[i] = b;
          }
        }
      }
      const total = best + (i < n ? weightOf(estimates[i] ?? null) : 1);
      finish[i] = total;
      if (end < 0 || total > (finish[end] as number)) {
        end = i;
        endId = id;
      }
    }
  }
  if (end < 0) return { tasks: [], total: 0 };
  const tasks = [endId];
  for (let at = via[end] as number; at >= 0; at = via[at] as number) tasks.push(ids[at] as string);
  return { tasks: tasks.reverse(), total: finish[end] as number };
}
