import { isFinished, type Priority, priorityRank, type Status } from "../task/task.ts";

/** What the graph algorithms need to know about a task. */
export type GraphTask = {
  id: string;
  status: Status;
  priority: Priority;
  estimate: number | null;
  createdAt: number;
  tags: readonly string[];
};

/** Tasks and their blocking edges, indexed both ways. Edges may name unknown blockers. */
export type Graph = {
  tasks: ReadonlyMap<string, GraphTask>;
  /** task → the tasks it waits for (may include ids that are not in `tasks`). */
  dependsOn: ReadonlyMap<string, readonly string[]>;
  /** blocker → the known tasks that wait for it. */
  dependents: ReadonlyMap<string, readonly string[]>;
};

/** Builds the indexes once; every algorithm reads them. */
export function buildGraph(
  tasks: Iterable<GraphTask>,
  edges: Iterable<readonly [task: string, blocker: string]>,
): Graph {
  const byId = new Map<string, GraphTask>();
  for (const t of tasks) byId.set(t.id, t);
  const dependsOn = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const [task, blocker] of edges) {
    if (!byId.has(task)) continue;
    push(dependsOn, task, blocker);
    push(dependents, blocker, task);
  }
  return { tasks: byId, dependsOn, dependents };
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** True when `id` names a known, finished task: only those satisfy a dependency (unknown ids fail closed). */
export function satisfies(g: Graph, id: string): boolean {
  const t = g.tasks.get(id);
  return t !== undefined && isFinished(t.status);
}

/** Blockers of `id` that still hold it back: unfinished or unknown. */
export function openBlockers(g: Graph, id: string): string[] {
  return (g.dependsOn.get(id) ?? []).filter((b) => !satisfies(g, b));
}

/** How many unfinished tasks wait directly on `id`. */
export function unblocks(g: Graph, id: string): number {
  return (g.dependents.get(id) ?? []).filter((d) => {
    const t = g.tasks.get(d);
    return t !== undefined && !isFinished(t.status);
  }).length;
}

/**
 * The order in which ready work is offered: priority, then how much work it unblocks, then age,
 * then id. Deterministic, so two agents asking the same question get the same answer.
 */
export function compareForWork(a: GraphTask & { unblocks: number }, b: GraphTask & { unblocks: number }): number {
  return (
    priorityRank[b.priority] - priorityRank[a.priority] ||
    b.unblocks - a.unblocks ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Sorts ids by compareForWork. */
export function sortForWork(g: Graph, ids: readonly string[]): string[] {
  return ids
    .map((id) => ({ ...(g.tasks.get(id) as GraphTask), unblocks: unblocks(g, id) }))
    .sort(compareForWork)
    .map((t) => t.id);
}
