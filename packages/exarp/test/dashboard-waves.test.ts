// The waves graph's windowing: what it lays out stays within budget however waves are opened, every
// planned task is drawn exactly once (as itself, or counted in a "+N more" or summary node), edges
// follow the dependencies and go forward, and dagre gives each wave its own rank.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Dependency } from "../src/graph/graph.ts";
import type { Plan } from "../src/graph/service.ts";
import { layoutWaves } from "../web/waves/layout.ts";
import { buildWaveGraph } from "../web/waves/spec.ts";
import {
  closeWave,
  INITIAL_NODES,
  initialWindow,
  keepWaves,
  MAX_NODES,
  openWave,
  showMore,
  WAVE_PAGE,
  type WaveWindow,
  windowSize,
} from "../web/waves/window.ts";
import { seed } from "./support/fc-seed.ts";

/**
 * A layered plan: `sizes[k]` tasks in wave k, each (after wave 0) depending on 1–2 tasks of the wave
 * before, with its dependencies as GET /api/plan answers them: `[task, blocker]` pairs.
 */
function layered(sizes: number[], pick: (n: number) => number) {
  const waves = sizes.map((n, k) => Array.from({ length: n }, (_, i) => `T-${k}-${i}`));
  const blockers = new Map<string, Set<string>>();
  waves.forEach((wave, k) => {
    if (k === 0) return;
    const before = waves[k - 1] as string[];
    for (const id of wave)
      blockers.set(id, new Set([before[pick(before.length)] as string, before[pick(before.length)] as string]));
  });
  const path = waves.map((w) => w[0] as string);
  // The critical path follows real edges: make each first task depend on the previous first task.
  path.forEach((id, k) => {
    const previous = path[k - 1];
    if (previous) blockers.get(id)?.add(previous);
  });
  const dependencies = [...blockers].flatMap(([id, of]) => [...of].map((blocker): Dependency => [id, blocker]));
  const plan: Plan = {
    waves,
    maxParallelism: Math.max(0, ...sizes),
    unschedulable: [],
    criticalPath: { tasks: path, total: path.length },
    cycles: [],
  };
  return { plan, dependencies };
}

/** The ids of the tasks a window shows. */
function shownTasks(plan: Plan, window: WaveWindow): string[] {
  return [...window].flatMap(([k, shown]) => (plan.waves[k] ?? []).slice(0, shown));
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 30 });
const actionsArb = fc.array(fc.tuple(fc.constantFrom("open", "more", "close"), fc.nat(40)), { maxLength: 12 });

describe("the waves window", () => {
  it("opens the first waves within the initial budget, and never lays out more than the most", () => {
    fc.assert(
      fc.property(sizesArb, actionsArb, (sizes, actions) => {
        const { plan } = layered(sizes, () => 0);
        let window: WaveWindow = initialWindow(plan.waves);
        expect(window.has(0)).toBe(true);
        expect(windowSize(plan.waves, window)).toBeLessThanOrEqual(Math.max(INITIAL_NODES, WAVE_PAGE));
        for (const [action, at] of actions) {
          const k = at % plan.waves.length;
          if (action === "open") window = openWave(plan.waves, window, k);
          else if (action === "more") window = showMore(plan.waves, window, k);
          else window = closeWave(window, k);
          if (action !== "close") expect(window.has(k)).toBe(true);
          expect(windowSize(plan.waves, window)).toBeLessThanOrEqual(MAX_NODES);
        }
        const shorter = plan.waves.slice(0, 1);
        expect([...keepWaves(shorter, window).keys()].every((k) => k < 1)).toBe(true);
        expect(keepWaves(shorter, window).size).toBe(1);
      }),
      { seed: seed("dashboard waves window"), numRuns: 200 },
    );
  });

  it("draws every planned task once, with forward edges that follow the dependencies", () => {
    fc.assert(
      fc.property(sizesArb, actionsArb, fc.nat(1000), (sizes, actions, salt) => {
        let state = salt;
        const pick = (n: number) => {
          state = (state * 1103515245 + 12345) % 2 ** 31;
          return state % n;
        };
        const { plan, dependencies } = layered(sizes, pick);
        let window = initialWindow(plan.waves);
        for (const [action, at] of actions)
          if (action === "open") window = openWave(plan.waves, window, at % plan.waves.length);
        // Open tasks outside the waves (a cycle waiting on wave 0) are in the dependencies too, and drawn nowhere.
        const unschedulable: Dependency[] = [
          ["U-1", plan.waves[0]?.[0] as string],
          ["U-1", "U-2"],
          ["U-2", "U-1"],
        ];
        const graph = buildWaveGraph(plan, window, [...dependencies, ...unschedulable]);
        let drawn = 0;
        for (const node of graph.nodes) drawn += node.kind === "task" ? 1 : node.count;
        expect(drawn).toBe(sizes.reduce((a, b) => a + b, 0));
        const tasks = graph.nodes.filter((n) => n.kind === "task");
        expect(tasks.map((n) => (n.kind === "task" ? n.id : "")).sort()).toEqual(shownTasks(plan, window).sort());
        const waveOf = new Map(graph.nodes.map((n) => [n.key, n.wave]));
        for (const edge of graph.edges) {
          expect(waveOf.has(edge.from) && waveOf.has(edge.to)).toBe(true);
          expect(edge.minlen).toBe((waveOf.get(edge.to) as number) - (waveOf.get(edge.from) as number));
          expect(edge.minlen).toBeGreaterThan(0);
          // Only edges between two shown tasks may skip waves.
          if (!edge.from.startsWith("t:") || !edge.to.startsWith("t:")) expect(edge.minlen).toBe(1);
        }
        const keys = new Set(graph.edges.map((e) => `${e.from}>${e.to}`));
        expect(keys.size).toBe(graph.edges.length);
        const shown = new Set(shownTasks(plan, window));
        // Every shown task of a later wave is reached by some edge (its blockers are drawn somewhere).
        for (const node of tasks) if (node.wave > 0) expect(graph.edges.some((e) => e.to === node.key)).toBe(true);
        for (const [task, blocker] of dependencies)
          if (shown.has(task) && shown.has(blocker)) expect(keys.has(`t:${blocker}>t:${task}`)).toBe(true);
        // The critical path is outlined on its tasks and on the edges between consecutive ones that are shown.
        for (const node of tasks)
          if (node.kind === "task") expect(node.critical).toBe(plan.criticalPath.tasks.includes(node.id));
        // A critical edge ends at a task of the path and starts where the path's previous task is drawn.
        for (const edge of graph.edges.filter((e) => e.critical)) {
          const to = edge.to.slice(2);
          const previous = plan.criticalPath.tasks[plan.criticalPath.tasks.indexOf(to) - 1] as string;
          expect(previous).toBeDefined();
          if (shown.has(previous)) expect(edge.from).toBe(`t:${previous}`);
          else expect(waveOf.get(edge.from)).toBe(plan.waves.findIndex((w) => w.includes(previous)));
        }
      }),
      { seed: seed("dashboard waves graph"), numRuns: 100 },
    );
  });

  it("collapses a big plan to a bounded layout: one rank per wave, laid out in well under a frame budget", () => {
    const { plan, dependencies } = layered([400, 900, 700, 1200, 800, 600, 400], (n) => Math.floor(n / 3));
    const window = initialWindow(plan.waves);
    expect([...window.keys()]).toEqual([0, 1, 2]);
    const graph = buildWaveGraph(plan, window, dependencies);
    expect(graph.nodes.filter((n) => n.kind === "summary").map((n) => n.kind === "summary" && n.count)).toEqual([
      1200, 800, 600, 400,
    ]);
    const started = performance.now();
    const layout = layoutWaves(graph);
    const ms = performance.now() - started;
    expect(layout.nodes).toHaveLength(graph.nodes.length);
    const xOfWave = new Map<number, Set<number>>();
    for (const node of layout.nodes)
      xOfWave.set(node.wave, (xOfWave.get(node.wave) ?? new Set()).add(Math.round(node.x)));
    const columns = [...xOfWave.entries()].sort(([a], [b]) => a - b).map(([, xs]) => [...xs]);
    for (const xs of columns) expect(xs).toHaveLength(1);
    for (let k = 1; k < columns.length; k++)
      expect((columns[k] as number[])[0]).toBeGreaterThan((columns[k - 1] as number[])[0] as number);
    for (const edge of layout.edges) expect(edge.points.length).toBeGreaterThan(1);
    console.log(`waves layout: ${layout.nodes.length} nodes, ${layout.edges.length} edges in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(2_000);
  });
});
