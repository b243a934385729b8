import { type Graph, openBlockers, sortForWork } from "./graph.ts";

/**
 * The ready set computed from scratch: todo tasks with every blocker finished, minus tasks `held`
 * (leased by someone else), in work order. The store keeps a materialised equivalent; this is the
 * reference it is tested against.
 */
export function readySet(g: Graph, held: ReadonlySet<string> = new Set()): string[] {
  const ready: string[] = [];
  for (const t of g.tasks.values()) {
    if (t.status === "todo" && !held.has(t.id) && openBlockers(g, t.id).length === 0) ready.push(t.id);
  }
  return sortForWork(g, ready);
}
