import type { Graph } from "./graph.ts";
import { sortIndices, unblockCount } from "./order.ts";

/**
 * The ready set computed from scratch: todo tasks with every blocker finished, minus tasks `held`
 * (leased by someone else), in work order. The store keeps a materialised equivalent; this is the
 * reference it is tested against.
 */
export function readySet(g: Graph, held: ReadonlySet<string> = new Set()): string[] {
  const { n, ids, tasks, finished, depStart, dep } = g.ix;
  const ready: number[] = [];
  const unblocked = new Int32Array(n);
  outer: for (let i = 0; i < n; i++) {
    if (tasks.statuses[i] !== "todo" || held.has(ids[i] as string)) continue;
    for (let j = depStart[i] as number; j < (depStart[i + 1] as number); j++) {
      const b = dep[j] as number;
      if (b >= n || !finished[b]) continue outer;
    }
    ready.push(i);
    unblocked[i] = unblockCount(g.ix, i);
  }
  return sortIndices(g.ix, ready, unblocked).map((i) => ids[i] as string);
}
