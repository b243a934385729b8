import type { Graph } from "./graph.ts";
import type { Indexed } from "./indexed.ts";

/**
 * Every strongly connected component that holds a cycle, each named by one concrete cycle
 * `[a, b, …, a]` (a depends on b …). Edges to unknown tasks are ignored: they cannot close a cycle.
 * A Kahn pass peels every task that reaches no cycle first, so an acyclic graph costs one linear
 * sweep; Tarjan runs only on what is left, which finds the same components in the same order.
 */
export function findCycles(g: Graph): string[][] {
  const left = unpeeled(g.ix);
  if (!left) return [];
  const seen = new Int32Array(g.ix.n);
  return components(g.ix, left).map((c, k) => cycleWithin(g.ix, c, seen, k + 1));
}

/** Strongly connected components that contain a cycle (size > 1, or a task depending on itself). */
export function cyclicComponents(g: Graph): string[][] {
  return components(g.ix, new Uint8Array(g.ix.n).fill(1)).map((c) => c.map((i) => g.ix.ids[i] as string));
}

/** Tasks that reach a cycle (what Kahn cannot peel), as a mask; undefined when there are none. */
function unpeeled(ix: Indexed): Uint8Array | undefined {
  const { n, depStart, dep, revStart, rev } = ix;
  const waiting = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = depStart[i] as number; j < (depStart[i + 1] as number); j++) if ((dep[j] as number) < n) count++;
    waiting[i] = count;
    if (count === 0) queue[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    const i = queue[head] as number;
    for (let j = revStart[i] as number; j < (revStart[i + 1] as number); j++) {
      const d = rev[j] as number;
      waiting[d] = (waiting[d] as number) - 1;
      if (waiting[d] === 0) queue[tail++] = d;
    }
  }
  if (tail === n) return undefined;
  const left = new Uint8Array(n);
  for (let i = 0; i < n; i++) if ((waiting[i] as number) > 0) left[i] = 1;
  return left;
}

/**
 * Cyclic components among the tasks in `alive`, over edges between them: iterative Tarjan (so
 * 100k-task graphs do not overflow the stack), roots and edges visited in input order.
 */
export function components(ix: Indexed, alive: Uint8Array): number[][] {
  const { n, depStart, dep } = ix;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const work: number[] = [];
  const cursor: number[] = [];
  const cycles: number[][] = [];
  let counter = 0;
  const enter = (i: number) => {
    order[i] = counter;
    low[i] = counter++;
    stack.push(i);
    onStack[i] = 1;
    work.push(i);
    cursor.push(depStart[i] as number);
  };
  for (let root = 0; root < n; root++) {
    if (!alive[root] || order[root] !== -1) continue;
    enter(root);
    while (work.length) {
      const top = work.length - 1;
      const v = work[top] as number;
      const j = cursor[top] as number;
      if (j < (depStart[v + 1] as number)) {
        cursor[top] = j + 1;
        const to = dep[j] as number;
        if (to >= n || !alive[to]) continue;
        if (order[to] === -1) enter(to);
        else if (onStack[to]) low[v] = Math.min(low[v] as number, order[to] as number);
        continue;
      }
      work.pop();
      cursor.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent] as number, low[v] as number);
      if (low[v] !== order[v]) continue;
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop() as number;
        onStack[member] = 0;
        component.push(member);
      } while (member !== v);
      if (component.length > 1 || dependsOnItself(ix, v)) cycles.push(component);
    }
  }
  return cycles;
}

function dependsOnItself(ix: Indexed, i: number): boolean {
  for (let j = ix.depStart[i] as number; j < (ix.depStart[i + 1] as number); j++) if (ix.dep[j] === i) return true;
  return false;
}

/** A shortest cycle through the smallest id of a component; `seen` marks members with `mark`. */
function cycleWithin(ix: Indexed, component: number[], seen: Int32Array, mark: number): string[] {
  const { ids, depStart, dep, n } = ix;
  let start = component[0] as number;
  for (const i of component) {
    seen[i] = mark;
    if ((ids[i] as string) < (ids[start] as string)) start = i;
  }
  const parent = new Map<number, number>();
  let frontier = [start];
  while (frontier.length) {
    const following: number[] = [];
    for (const at of frontier) {
      for (let j = depStart[at] as number; j < (depStart[at + 1] as number); j++) {
        const to = dep[j] as number;
        if (to >= n || seen[to] !== mark) continue;
        if (to === start) {
          const path: string[] = [];
          for (let back = at; back !== start; back = parent.get(back) as number) path.push(ids[back] as string);
          return [ids[start] as string, ...path.reverse(), ids[start] as string];
        }
        if (!parent.has(to)) {
          parent.set(to, at);
          following.push(to);
        }
      }
    }
    frontier = following;
  }
  return [ids[start] as string, ids[start] as string];
}
