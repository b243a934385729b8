import { findCycles } from "./cycles.ts";
import { blockersOf, type Graph, known } from "./graph.ts";

/**
 * What a graph holds that no command could have made (only imports bring it in): every dependency
 * cycle, named, and every dependency on a task that does not exist. One sentence each.
 */
export function graphProblems(g: Graph): string[] {
  const problems = findCycles(g).map((c) => `dependency cycle: ${c.join(" → ")}`);
  for (const i of g.ix.taskOrder) {
    const task = g.ix.ids[i] as string;
    for (const b of blockersOf(g, task))
      if (known(g, b) === undefined) problems.push(`${task} depends on ${b}, which does not exist (it stays blocked)`);
  }
  return problems;
}
