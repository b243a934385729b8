// The check before a sprint, over generated graphs: what it names is exactly what the graph holds
// among the sprint's tasks and what they wait for, and `ok` means it named nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seed } from "../../test/support/fc-seed.ts";
import { findCycles } from "../graph/cycles.ts";
import { buildGraph, type GraphTask } from "../graph/graph.ts";
import { STATUSES } from "../task/task.ts";
import { checkSprint } from "./check.ts";

const idOf = (i: number) => `T-${i}`;

const world = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    statuses: fc.array(fc.constantFrom(...STATUSES), { minLength: n, maxLength: n }),
    estimates: fc.array(fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), { minLength: n, maxLength: n }),
    // Any pair, cycles included; a blocker past n names a task that does not exist.
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n + 2)), { maxLength: 3 * n }),
    picked: fc.array(fc.nat(n + 2), { maxLength: 8 }),
    open: fc.option(fc.constant("s0"), { nil: null }),
  }),
);

describe("sprint check (pure, over generated graphs)", () => {
  it("names unknown and finished tasks, cycles, unknown dependencies and missing estimates, and nothing else", () => {
    fc.assert(
      fc.property(world, (w) => {
        const tasks: GraphTask[] = w.statuses.map((status, i) => ({
          id: idOf(i),
          status,
          priority: "medium",
          estimate: w.estimates[i] ?? null,
          createdAt: i,
          tags: [],
        }));
        const pairs = [...new Set(w.edges.map(([a, b]) => `${a}>${b}`))].map((p) => p.split(">").map(Number));
        const graph = buildGraph(
          tasks,
          pairs.map(([a, b]) => [idOf(a as number), idOf(b as number)] as [string, string]),
        );
        const taskIds = w.picked.map(idOf);
        const c = checkSprint({ taskIds, tag: null, graph, openSprint: w.open });

        const picked = [...new Set(taskIds)];
        const exists = (id: string) => Number(id.slice(2)) < w.n;
        const status = (id: string) => w.statuses[Number(id.slice(2))];
        expect(c.taskIds).toEqual(picked);
        expect(c.unknown).toEqual(picked.filter((id) => !exists(id)));
        expect(c.finished).toEqual(
          picked.filter((id) => exists(id) && ["done", "cancelled"].includes(status(id) ?? "")),
        );
        expect(c.unestimated).toEqual(
          picked.filter((id) => exists(id) && !c.finished.includes(id) && w.estimates[Number(id.slice(2))] === null),
        );
        // What the sprint reaches: its tasks and, transitively, the known tasks they wait for.
        const reach = new Set<string>();
        const stack = picked.filter(exists);
        while (stack.length) {
          const at = stack.pop() as string;
          if (reach.has(at)) continue;
          reach.add(at);
          for (const [a, b] of pairs)
            if (idOf(a as number) === at && (b as number) < w.n) stack.push(idOf(b as number));
        }
        const expectedUnknown = pairs
          .filter(([a, b]) => reach.has(idOf(a as number)) && (b as number) >= w.n)
          .map(([a, b]) => `${idOf(a as number)}>${idOf(b as number)}`)
          .sort();
        expect(c.unknownDependencies.map((u) => `${u.taskId}>${u.blockerId}`).sort()).toEqual(expectedUnknown);
        // Every cycle the whole graph has among reached tasks, and no other.
        const inReach = findCycles(graph).filter((cycle) => cycle.every((id) => reach.has(id)));
        expect(c.cycles.map((cycle) => [...new Set(cycle)].sort().join(" ")).sort()).toEqual(
          inReach.map((cycle) => [...new Set(cycle)].sort().join(" ")).sort(),
        );
        const count =
          (w.open ? 1 : 0) +
          (picked.length ? 0 : 1) +
          c.unknown.length +
          c.finished.length +
          c.cycles.length +
          c.unknownDependencies.length +
          c.unestimated.length;
        expect(c.problems).toHaveLength(count);
        expect(c.ok).toBe(count === 0);
      }),
      { numRuns: 500, seed: seed("sprint check") },
    );
  });
});
