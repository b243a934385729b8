import type { Graph } from "./graph.ts";

/**
 * Every strongly connected component that holds a cycle, each named by one concrete cycle
 * `[a, b, …, a]` (a depends on b …). Iterative Tarjan, so 100k-task graphs do not overflow the stack.
 * Edges to unknown tasks are ignored: they cannot close a cycle.
 */
export function findCycles(g: Graph): string[][] {
  return cyclicComponents(g).map((c) => cycleWithin(g, new Set(c)));
}

/** Strongly connected components that contain a cycle (size > 1, or a task depending on itself). */
export function cyclicComponents(g: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const next = (id: string) => (g.dependsOn.get(id) ?? []).filter((b) => g.tasks.has(b));

  for (const root of g.tasks.keys()) {
    if (index.has(root)) continue;
    const work: { id: string; edges: string[]; i: number }[] = [];
    const enter = (id: string) => {
      index.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      work.push({ id, edges: next(id), i: 0 });
    };
    enter(root);
    while (work.length) {
      const frame = work[work.length - 1] as { id: string; edges: string[]; i: number };
      if (frame.i < frame.edges.length) {
        const to = frame.edges[frame.i++] as string;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) !== index.get(frame.id)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.id);
      const selfLoop = component.length === 1 && next(frame.id).includes(frame.id);
      if (component.length > 1 || selfLoop) cycles.push(component);
    }
  }
  return cycles;
}

/** A shortest cycle through the smallest id of a strongly connected component. */
function cycleWithin(g: Graph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0] as string;
  const parent = new Map<string, string>();
  let frontier = [start];
  while (frontier.length) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const to of g.dependsOn.get(id) ?? []) {
        if (!component.has(to)) continue;
        if (to === start) {
          const path = [start];
          for (let at = id; at !== start; at = parent.get(at) as string) path.push(at);
          path.push(start);
          return [start, ...path.slice(1, -1).reverse(), start];
        }
        if (!parent.has(to)) {
          parent.set(to, id);
          following.push(to);
        }
      }
    }
    frontier = following;
  }
  return [start, start];
}
