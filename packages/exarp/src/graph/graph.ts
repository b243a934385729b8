import { type Priority, priorityRank, type Status } from "../task/task.ts";
import { columnsOf, compile, type EdgeList, type GraphTaskRow, type Indexed, type TaskColumns } from "./indexed.ts";
import { sortIndices, unblockCount } from "./order.ts";

export type { EdgeList, GraphTaskRow, TaskColumns } from "./indexed.ts";

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
  /** The integer form the algorithms run on; the maps below are derived from it on first use. */
  readonly ix: Indexed;
  readonly tasks: ReadonlyMap<string, GraphTask>;
  /** task → the tasks it waits for (may include ids that are not in `tasks`). */
  readonly dependsOn: ReadonlyMap<string, readonly string[]>;
  /** blocker → the known tasks that wait for it. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
};

/**
 * Builds the indexes once; every algorithm reads them. Takes tasks and edge lists by id, or what
 * the store loads: task columns and edge text, one `blocker task task…` line per blocker.
 */
export function buildGraph(tasks: Iterable<GraphTaskRow>, edges: Iterable<EdgeList>): Graph;
export function buildGraph(tasks: TaskColumns, edges: string): Graph;
export function buildGraph(tasks: Iterable<GraphTaskRow> | TaskColumns, edges: Iterable<EdgeList> | string): Graph {
  return new IndexedGraph(compile(Symbol.iterator in tasks ? columnsOf(tasks) : tasks, edges));
}

/** Derives the map views on first use: the algorithms never read them, and at 100k tasks they cost more than a plan. */
class IndexedGraph implements Graph {
  readonly ix: Indexed;
  #tasks?: Map<string, GraphTask>;
  #dependsOn?: Map<string, readonly string[]>;
  #dependents?: Map<string, readonly string[]>;

  constructor(ix: Indexed) {
    this.ix = ix;
  }

  get tasks(): ReadonlyMap<string, GraphTask> {
    this.#tasks ??= new Map(this.ix.ids.slice(0, this.ix.n).map((id, i) => [id, taskAt(this.ix, i)]));
    return this.#tasks;
  }

  get dependsOn(): ReadonlyMap<string, readonly string[]> {
    const { ix } = this;
    this.#dependsOn ??= new Map(ix.taskOrder.map((i) => [ix.ids[i] as string, slice(ix, ix.depStart, ix.dep, i)]));
    return this.#dependsOn;
  }

  get dependents(): ReadonlyMap<string, readonly string[]> {
    const { ix } = this;
    this.#dependents ??= new Map(ix.blockerOrder.map((i) => [ix.ids[i] as string, slice(ix, ix.revStart, ix.rev, i)]));
    return this.#dependents;
  }
}

function slice(ix: Indexed, start: Int32Array, list: Int32Array, i: number): string[] {
  return Array.from(list.subarray(start[i], start[i + 1]), (j) => ix.ids[j] as string);
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** Tags of a task, parsed from their stored JSON only when asked for. */
function tagsAt(ix: Indexed, i: number): readonly string[] {
  const tags = ix.tasks.tags()[i] ?? NO_TAGS;
  return typeof tags !== "string" ? tags : tags === "[]" ? NO_TAGS : (JSON.parse(tags) as string[]);
}

function taskAt(ix: Indexed, i: number): GraphTask {
  const { tasks } = ix;
  return {
    id: ix.ids[i] as string,
    status: tasks.statuses[i] as Status,
    priority: tasks.priorities[i] as Priority,
    estimate: tasks.estimates[i] ?? null,
    createdAt: tasks.createdAt[i] as number,
    tags: tagsAt(ix, i),
  };
}

/** The node of a task, or undefined: ids that only appear as blockers have nodes too (past `n`). */
export function known(g: Graph, id: string): number | undefined {
  const i = g.ix.index.get(id);
  return i !== undefined && i < g.ix.n ? i : undefined;
}

/** The task with this id, or undefined; built on demand, since the graph keeps columns, not objects. */
export function taskOf(g: Graph, id: string): GraphTask | undefined {
  const i = known(g, id);
  return i === undefined ? undefined : taskAt(g.ix, i);
}

/** A task's status, or undefined for an unknown id (cheaper than taskOf: no tags parsed). */
export function statusOf(g: Graph, id: string): Status | undefined {
  const i = known(g, id);
  return i === undefined ? undefined : g.ix.tasks.statuses[i];
}

/** A task's tags ([] for an unknown id), without materialising every other task. */
export function tagsOf(g: Graph, id: string): readonly string[] {
  const i = known(g, id);
  return i === undefined ? NO_TAGS : tagsAt(g.ix, i);
}

/** The ids a task waits for, open or not, in edge order ([] for an unknown id). */
export function blockersOf(g: Graph, id: string): string[] {
  const i = known(g, id);
  return i === undefined ? [] : slice(g.ix, g.ix.depStart, g.ix.dep, i);
}

/** True when `id` names a known, finished task: only those satisfy a dependency (unknown ids fail closed). */
export function satisfies(g: Graph, id: string): boolean {
  const i = known(g, id);
  return i !== undefined && g.ix.finished[i] === 1;
}

/** Blockers of `id` that still hold it back: unfinished or unknown. */
export function openBlockers(g: Graph, id: string): string[] {
  const { ix } = g;
  const i = known(g, id);
  const open: string[] = [];
  if (i === undefined) return open;
  for (let j = ix.depStart[i] as number; j < (ix.depStart[i + 1] as number); j++) {
    const b = ix.dep[j] as number;
    if (b >= ix.n || ix.finished[b] === 0) open.push(ix.ids[b] as string);
  }
  return open;
}

/** One blocking edge: `task` waits for `blocker`. */
export type Dependency = [task: string, blocker: string];

/** Every edge whose two ends are known, unfinished tasks, tasks in input order and blockers in edge order. */
export function openDependencies(g: Graph): Dependency[] {
  const { n, ids, finished, depStart, dep } = g.ix;
  const edges: Dependency[] = [];
  for (let i = 0; i < n; i++) {
    if (finished[i]) continue;
    for (let j = depStart[i] as number; j < (depStart[i + 1] as number); j++) {
      const b = dep[j] as number;
      if (b < n && !finished[b]) edges.push([ids[i] as string, ids[b] as string]);
    }
  }
  return edges;
}

/** How many unfinished tasks wait directly on `id`. */
export function unblocks(g: Graph, id: string): number {
  const i = g.ix.index.get(id);
  return i === undefined ? 0 : unblockCount(g.ix, i);
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

/** Sorts ids of known tasks by compareForWork (on the indexes, without copying any task). */
export function sortForWork(g: Graph, ids: readonly string[]): string[] {
  const { ix } = g;
  const nodes = ids.map((id) => known(g, id)).filter((i) => i !== undefined);
  const counts = new Int32Array(ix.n);
  for (const i of nodes) counts[i] = unblockCount(ix, i);
  return sortIndices(ix, nodes, counts).map((i) => ix.ids[i] as string);
}
