import { isFinished, type Priority, priorityRank, type Status } from "../task/task.ts";
import { hashOf, IdTable, idCapacity } from "./ids.ts";

/** A task as a caller builds one: `tags` may still be the stored JSON text. */
export type GraphTaskRow = {
  id: string;
  status: Status;
  priority: Priority;
  estimate: number | null;
  createdAt: number;
  tags: readonly string[] | string;
};

/** Blocking edges: a task, then the tasks it waits for (a pair is the one-blocker case). */
export type EdgeList = readonly [task: string, ...blockers: string[]];

/**
 * Tasks as columns, position i the same task in each: how the store loads 100k tasks without
 * building an object per row. Tags come as stored JSON text, fetched only when someone asks.
 */
export type TaskColumns = {
  ids: readonly string[];
  statuses: readonly Status[];
  priorities: readonly Priority[];
  estimates: readonly (number | null)[];
  createdAt: ArrayLike<number>;
  tags: () => readonly (readonly string[] | string)[];
};

/**
 * The graph compiled to integers so the algorithms touch no string-keyed maps. Nodes 0..n-1 are the
 * known tasks in input order; nodes n.. are the unknown ids that edges name as blockers.
 */
export type Indexed = {
  n: number;
  ids: string[];
  index: IdTable;
  tasks: TaskColumns;
  finished: Uint8Array;
  rank: Uint8Array;
  /** Blockers of known task i: dep[depStart[i] .. depStart[i+1]), in edge order (unknown ones >= n). */
  depStart: Int32Array;
  dep: Int32Array;
  /** Known tasks waiting on node i: rev[revStart[i] .. revStart[i+1]), in edge order. */
  revStart: Int32Array;
  rev: Int32Array;
  /** Tasks with edges, and blockers, each in the order of its first edge (the order maps used to have). */
  taskOrder: number[];
  blockerOrder: number[];
};

/** Rows to columns; a repeated task id keeps its first position and its last data. */
export function columnsOf(rows: Iterable<GraphTaskRow>): TaskColumns {
  const at = new Map<string, number>();
  const kept: GraphTaskRow[] = [];
  for (const row of rows) {
    const i = at.get(row.id);
    if (i === undefined) at.set(row.id, kept.push(row) - 1);
    else kept[i] = row;
  }
  const tags = kept.map((r) => r.tags);
  return {
    ids: kept.map((r) => r.id),
    statuses: kept.map((r) => r.status),
    priorities: kept.map((r) => r.priority),
    estimates: kept.map((r) => r.estimate),
    createdAt: kept.map((r) => r.createdAt),
    tags: () => tags,
  };
}

/**
 * Compiles tasks and edges once. Edges come as lists by id, or (from the store) as text: one line
 * per blocker, `blocker task task…`, ids separated by spaces.
 */
export function compile(tasks: TaskColumns, edges: Iterable<EdgeList> | string): Indexed {
  const n = tasks.ids.length;
  const index = new IdTable(tasks.ids);
  if (index.size !== n) return compile(columnsOf(rowsOf(tasks)), edgeLists(edges));
  const { from, to, count } = typeof edges === "string" ? textPairs(index, n, edges) : listPairs(index, n, edges);
  const columns = { ...tasks, tags: once(tasks.tags) };
  const { ids } = index;
  return { ...csr(n, ids.length, from, to, count), n, ids, index, tasks: columns, ...flags(tasks) };
}

type Pairs = { from: ArrayLike<number>; to: ArrayLike<number>; count: number };

function textPairs(index: IdTable, n: number, text: string): Pairs {
  const from = new Int32Array(idCapacity(text));
  const to = new Int32Array(from.length);
  return { from, to, count: index.internDependents(text, n, from, to) };
}

function listPairs(index: IdTable, n: number, edges: Iterable<EdgeList>): Pairs {
  const from: number[] = [];
  const to: number[] = [];
  for (const edge of edges) {
    const a = index.get(edge[0]);
    if (a === undefined || a >= n) continue;
    for (let k = 1; k < edge.length; k++) {
      const b = edge[k] as string;
      from.push(a);
      to.push(index.intern(b, 0, b.length, hashOf(b, 0, b.length)));
    }
  }
  return { from, to, count: from.length };
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** Edge text as lists by id, for the rare input that repeats a task id. */
function edgeLists(edges: Iterable<EdgeList> | string): Iterable<EdgeList> {
  if (typeof edges !== "string") return edges;
  return edges
    .split("\n")
    .map((line) => line.split(" ").filter(Boolean))
    .flatMap(([blocker, ...tasks]) => tasks.map((task) => [task, blocker as string] as const));
}

function rowsOf(tasks: TaskColumns): GraphTaskRow[] {
  const tags = tasks.tags();
  return tasks.ids.map((id, i) => ({
    id,
    status: tasks.statuses[i] as Status,
    priority: tasks.priorities[i] as Priority,
    estimate: tasks.estimates[i] ?? null,
    createdAt: tasks.createdAt[i] as number,
    tags: tags[i] ?? [],
  }));
}

function flags(tasks: TaskColumns): Pick<Indexed, "finished" | "rank"> {
  const n = tasks.ids.length;
  const finished = new Uint8Array(n);
  const rank = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    finished[i] = isFinished(tasks.statuses[i] as Status) ? 1 : 0;
    rank[i] = priorityRank[tasks.priorities[i] as Priority];
  }
  return { finished, rank };
}

/** Both adjacency directions as compressed rows (counting sort), keeping edge order inside each row. */
function csr(n: number, total: number, from: ArrayLike<number>, to: ArrayLike<number>, count: number) {
  const depStart = new Int32Array(n + 1);
  const revStart = new Int32Array(total + 1);
  const taskOrder: number[] = [];
  const blockerOrder: number[] = [];
  for (let e = 0; e < count; e++) {
    const a = from[e] as number;
    const b = to[e] as number;
    if (depStart[a + 1] === 0) taskOrder.push(a);
    if (revStart[b + 1] === 0) blockerOrder.push(b);
    depStart[a + 1] = (depStart[a + 1] as number) + 1;
    revStart[b + 1] = (revStart[b + 1] as number) + 1;
  }
  for (let i = 0; i < n; i++) depStart[i + 1] = (depStart[i + 1] as number) + (depStart[i] as number);
  for (let i = 0; i < total; i++) revStart[i + 1] = (revStart[i + 1] as number) + (revStart[i] as number);
  const dep = new Int32Array(count);
  const rev = new Int32Array(count);
  const nextDep = depStart.slice(0, n);
  const nextRev = revStart.slice(0, total);
  for (let e = 0; e < count; e++) {
    const a = from[e] as number;
    const b = to[e] as number;
    const j = nextDep[a] as number;
    const k = nextRev[b] as number;
    dep[j] = b;
    rev[k] = a;
    nextDep[a] = j + 1;
    nextRev[b] = k + 1;
  }
  return { depStart, dep, revStart, rev, taskOrder, blockerOrder };
}
