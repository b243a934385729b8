import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Status } from "../task/task.ts";
import { criticalPath, weightOf } from "./critical-path.ts";
import { findCycles } from "./cycles.ts";
import { buildGraph, type Graph, type GraphTask } from "./graph.ts";
import { readySet } from "./ready.ts";
import { computeWaves } from "./waves.ts";

const OPEN = ["todo", "in_progress", "review", "blocked"] as const;

/** n tasks; edge pairs [i, j] become "task i depends on task j". */
function makeGraph(
  statuses: readonly string[],
  pairs: readonly [number, number][],
  estimates: readonly (number | null)[] = [],
): Graph {
  const tasks: GraphTask[] = statuses.map((status, i) => ({
    id: `T-${String(i).padStart(3, "0")}`,
    status: status as GraphTask["status"],
    priority: (["low", "medium", "high", "critical"] as const)[i % 4] ?? "low",
    estimate: estimates[i] ?? null,
    createdAt: i,
    tags: [],
  }));
  const edges = pairs
    .filter(([a, b]) => a < tasks.length && b < tasks.length)
    .map(([a, b]) => [tasks[a]?.id, tasks[b]?.id] as [string, string]);
  return buildGraph(tasks, [...new Map(edges.map((e) => [e.join(">"), e])).values()]);
}

/** A random DAG: edges only from later to earlier tasks. */
const dag = (statusArb = fc.constantFrom(...Status.options)) =>
  fc.integer({ min: 0, max: 25 }).chain((n) =>
    fc.record({
      statuses: fc.array(statusArb, { minLength: n, maxLength: n }),
      pairs: fc
        .array(fc.tuple(fc.nat(n), fc.nat(n)), { maxLength: n * 3 })
        .map((ps) => ps.filter(([a, b]) => a > b) as [number, number][]),
      estimates: fc.array(fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }), { minLength: n, maxLength: n }),
    }),
  );

/** A random graph that may have cycles (and self-loops). */
const anyGraph = fc.integer({ min: 1, max: 15 }).chain((n) =>
  fc.record({
    statuses: fc.array(fc.constantFrom(...OPEN), { minLength: n, maxLength: n }),
    pairs: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 2 }),
  }),
);

const unfinished = (g: Graph) =>
  [...g.tasks.values()].filter((t) => t.status !== "done" && t.status !== "cancelled").map((t) => t.id);

/** Longest path (in edges) over unfinished tasks, by brute-force DP from the definition. */
function longestChain(g: Graph): number {
  const open = new Set(unfinished(g));
  const memo = new Map<string, number>();
  const depth = (id: string): number => {
    if (memo.has(id)) return memo.get(id) as number;
    const d = Math.max(0, ...(g.dependsOn.get(id) ?? []).filter((b) => open.has(b)).map((b) => depth(b) + 1));
    memo.set(id, d);
    return d;
  };
  return Math.max(-1, ...[...open].map(depth));
}

function hasTopologicalOrder(g: Graph): boolean {
  const left = new Set(g.tasks.keys());
  let progress = true;
  while (progress) {
    progress = false;
    for (const id of left) {
      if ((g.dependsOn.get(id) ?? []).every((b) => !left.has(b))) {
        left.delete(id);
        progress = true;
      }
    }
  }
  return left.size === 0;
}

describe("graph properties", () => {
  it("waves respect every edge, hold every open task once, and number longest path + 1", () => {
    fc.assert(
      fc.property(dag(), ({ statuses, pairs }) => {
        const g = makeGraph(statuses, pairs);
        const { waves, unschedulable, maxParallelism } = computeWaves(g);
        expect(unschedulable).toEqual([]);
        const waveOf = new Map(waves.flatMap((w, i) => w.map((id) => [id, i] as const)));
        expect(waves.flat().length).toBe(waveOf.size);
        expect([...waveOf.keys()].sort()).toEqual(unfinished(g).sort());
        for (const [task, blockers] of g.dependsOn) {
          for (const b of blockers)
            if (waveOf.has(task) && waveOf.has(b)) expect(waveOf.get(b)).toBeLessThan(waveOf.get(task) as number);
        }
        expect(waves.length).toBe(longestChain(g) + 1);
        expect(maxParallelism).toBe(Math.max(0, ...waves.map((w) => w.length)));
      }),
    );
  });

  it("the ready set is the todo part of wave 0, and all of it when every open task is todo", () => {
    fc.assert(
      fc.property(dag(), ({ statuses, pairs }) => {
        const g = makeGraph(statuses, pairs);
        const wave0 = computeWaves(g).waves[0] ?? [];
        expect(readySet(g)).toEqual(wave0.filter((id) => g.tasks.get(id)?.status === "todo"));
      }),
    );
    fc.assert(
      fc.property(dag(fc.constantFrom("todo", "done", "cancelled")), ({ statuses, pairs }) => {
        const g = makeGraph(statuses, pairs);
        expect(readySet(g)).toEqual(computeWaves(g).waves[0] ?? []);
      }),
    );
  });

  it("a cap bounds each wave and keeps edges pointing forward", () => {
    fc.assert(
      fc.property(dag(), fc.integer({ min: 1, max: 4 }), ({ statuses, pairs }, cap) => {
        const g = makeGraph(statuses, pairs);
        const { waves } = computeWaves(g, cap);
        const waveOf = new Map(waves.flatMap((w, i) => w.map((id) => [id, i] as const)));
        expect(waves.every((w) => w.length <= cap && w.length > 0)).toBe(true);
        expect(waveOf.size).toBe(unfinished(g).length);
        for (const [task, blockers] of g.dependsOn) {
          for (const b of blockers)
            if (waveOf.has(task) && waveOf.has(b)) expect(waveOf.get(b)).toBeLessThan(waveOf.get(task) as number);
        }
      }),
    );
  });

  it("reports a cycle iff there is no topological order, and every named cycle is real", () => {
    fc.assert(
      fc.property(anyGraph, ({ statuses, pairs }) => {
        const g = makeGraph(statuses, pairs);
        const cycles = findCycles(g);
        expect(cycles.length > 0).toBe(!hasTopologicalOrder(g));
        for (const cycle of cycles) {
          expect(cycle[0]).toBe(cycle.at(-1));
          expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1);
          for (let i = 0; i + 1 < cycle.length; i++)
            expect(g.dependsOn.get(cycle[i] as string)).toContain(cycle[i + 1]);
        }
        const { unschedulable, waves } = computeWaves(g);
        expect(unschedulable.length > 0).toBe(cycles.length > 0);
        expect(waves.flat().length + unschedulable.length).toBe(g.tasks.size);
      }),
    );
  });

  it("the critical path is a real chain whose weight no other chain beats", () => {
    fc.assert(
      fc.property(dag(fc.constantFrom(...OPEN, "done")), ({ statuses, pairs, estimates }) => {
        const g = makeGraph(statuses, pairs, estimates);
        const open = new Set(unfinished(g));
        const { tasks, total } = criticalPath(g);
        for (let i = 0; i + 1 < tasks.length; i++) expect(g.dependsOn.get(tasks[i + 1] as string)).toContain(tasks[i]);
        expect(total).toBe(tasks.reduce((sum, id) => sum + weightOf(g.tasks.get(id)?.estimate ?? null), 0));
        const memo = new Map<string, number>();
        const heaviest = (id: string): number => {
          if (!memo.has(id)) {
            const before = (g.dependsOn.get(id) ?? []).filter((b) => open.has(b)).map(heaviest);
            memo.set(id, weightOf(g.tasks.get(id)?.estimate ?? null) + Math.max(0, ...before));
          }
          return memo.get(id) as number;
        };
        expect(total).toBe(Math.max(0, ...[...open].map(heaviest)));
      }),
    );
  });

  it("fails closed on unknown dependencies", () => {
    const g = buildGraph(
      [
        { id: "T-a", status: "todo", priority: "medium", estimate: null, createdAt: 0, tags: [] },
        { id: "T-b", status: "todo", priority: "medium", estimate: null, createdAt: 1, tags: [] },
      ],
      [
        ["T-a", "T-ghost"],
        ["T-b", "T-a"],
      ],
    );
    expect(readySet(g)).toEqual([]);
    expect(computeWaves(g)).toEqual({
      waves: [],
      maxParallelism: 0,
      unschedulable: [
        { id: "T-a", reason: "unknown-dependency", via: "T-ghost" },
        { id: "T-b", reason: "waits", via: "T-a" },
      ],
    });
  });

  it("orders ready work by priority, then work unblocked, then age, then id", () => {
    const t = (id: string, priority: GraphTask["priority"], createdAt: number): GraphTask => ({
      id,
      status: "todo",
      priority,
      estimate: null,
      createdAt,
      tags: [],
    });
    const g = buildGraph(
      [
        t("T-low", "low", 0),
        t("T-old", "high", 1),
        t("T-hub", "high", 5),
        t("T-new", "high", 9),
        t("T-x", "medium", 2),
        t("T-y", "medium", 2),
      ],
      [
        ["T-x", "T-hub"],
        ["T-y", "T-hub"],
      ],
    );
    expect(readySet(g)).toEqual(["T-hub", "T-old", "T-new", "T-low"]);
  });
});
