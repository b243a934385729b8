import { blockersOf, type Graph, tagsOf } from "./graph.ts";

/** An agent that can take work: what it can do, how busy it is, what it did recently. */
export type PlacementAgent = {
  name: string;
  /** Capability tags; `*` means anything. A task needs an agent that can do every one of its tags. */
  can: readonly string[];
  /** Tasks it holds now. */
  load: number;
  /** Most tasks it may hold at once (default 1). */
  capacity?: number;
  /** Ids of tasks it worked on recently (for affinity). */
  recent?: readonly string[];
};

export type Placement = {
  assignments: { taskId: string; agent: string }[];
  /** Tasks no agent could take, with the filter that ruled the last candidates out. */
  unplaced: { taskId: string; reason: string }[];
};

const quote = (tags: readonly string[]) => tags.map((t) => `\`${t}\``).join(", ");

/**
 * Places tasks (in the order given, e.g. a wave in work order) onto agents with progressive
 * filters: capability, then load, then affinity to the agent's recent tasks (shared tags or a
 * direct dependency), then least load and name. When a filter empties the candidates it is named.
 */
export function placeTasks(g: Graph, taskIds: readonly string[], agents: readonly PlacementAgent[]): Placement {
  const load = new Map(agents.map((a) => [a.name, a.load]));
  const assignments: Placement["assignments"] = [];
  const unplaced: Placement["unplaced"] = [];
  for (const taskId of taskIds) {
    const tags = tagsOf(g, taskId);
    const capable = agents.filter((a) => a.can.includes("*") || tags.every((t) => a.can.includes(t)));
    if (capable.length === 0) {
      const missing = tags.filter((t) => !agents.some((a) => a.can.includes(t) || a.can.includes("*")));
      const reason =
        agents.length === 0
          ? "no agents"
          : missing.length
            ? `no agent with ${missing.length > 1 ? "tags" : "tag"} ${quote(missing)}`
            : `no single agent has all of ${quote(tags)}`;
      unplaced.push({ taskId, reason });
      continue;
    }
    const free = capable.filter((a) => (load.get(a.name) ?? 0) < (a.capacity ?? 1));
    if (free.length === 0) {
      const busy = capable.map((a) => `${a.name} ${load.get(a.name)}/${a.capacity ?? 1}`).join(", ");
      unplaced.push({ taskId, reason: `every agent able to do it is at capacity (${busy})` });
      continue;
    }
    const scored = free.map((a) => ({ a, affinity: affinity(g, taskId, a.recent ?? []), load: load.get(a.name) ?? 0 }));
    scored.sort((x, y) => y.affinity - x.affinity || x.load - y.load || (x.a.name < y.a.name ? -1 : 1));
    const chosen = (scored[0] as { a: PlacementAgent }).a;
    load.set(chosen.name, (load.get(chosen.name) ?? 0) + 1);
    assignments.push({ taskId, agent: chosen.name });
  }
  return { assignments, unplaced };
}

/** Shared tags with recent tasks, plus 2 for each recent task that is a direct blocker (fresh context). */
function affinity(g: Graph, taskId: string, recent: readonly string[]): number {
  const tags = new Set(tagsOf(g, taskId));
  const blockers = new Set(blockersOf(g, taskId));
  let score = 0;
  for (const r of recent) {
    if (blockers.has(r)) score += 2;
    for (const t of tagsOf(g, r)) if (tags.has(t)) score += 1;
  }
  return score;
}
