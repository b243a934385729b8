import { blockersOf, buildGraph, type EdgeList, type Graph, type GraphTaskRow, taskOf } from "../graph/graph.ts";

/**
 * The part of `g` a sprint depends on: its tasks and, transitively, every known task they wait for,
 * with all their edges (unknown blockers kept, so they still fail closed). What lies outside the
 * sprint but holds it back is work ahead of it too.
 */
export function sprintGraph(g: Graph, taskIds: readonly string[]): Graph {
  const rows: GraphTaskRow[] = [];
  const edges: EdgeList[] = [];
  const seen = new Set<string>();
  const queue = [...taskIds];
  for (let at = 0; at < queue.length; at++) {
    const id = queue[at] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const task = taskOf(g, id);
    if (!task) continue;
    rows.push(task);
    const blockers = blockersOf(g, id);
    if (blockers.length) edges.push([id, ...blockers]);
    for (const b of blockers) if (!seen.has(b)) queue.push(b);
  }
  return buildGraph(rows, edges);
}
