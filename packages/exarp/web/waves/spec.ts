// The waves graph to lay out, from the plan, the window and the dependencies among open tasks:
// a node per shown task, a "+N more" node for the rest of an opened wave, a summary node per
// collapsed wave; an edge per dependency between shown tasks, and between a task and the next or
// previous wave's summary; one between consecutive waves wherever a side is summarised (Kahn levels:
// every task of wave k+1 waits on one of wave k). An edge from a summary to a wave further away is
// left out: it says little, and each wave it spans costs the layout a node. Pure.
import type { Dependency, Plan } from "../lib/types.ts";
import type { WaveWindow } from "./window.ts";

export type WaveNode =
  | { kind: "task"; key: string; id: string; wave: number; critical: boolean }
  | { kind: "more" | "summary"; key: string; wave: number; count: number; critical: number };

export type WaveEdge = { from: string; to: string; minlen: number; critical: boolean };

export type WaveGraph = { nodes: WaveNode[]; edges: WaveEdge[] };

export const taskKey = (id: string) => `t:${id}`;
export const moreKey = (wave: number) => `m:${wave}`;
export const summaryKey = (wave: number) => `w:${wave}`;

export function buildWaveGraph(plan: Plan, window: WaveWindow, dependencies: readonly Dependency[]): WaveGraph {
  const critical = new Set(plan.criticalPath.tasks);
  const nextOnPath = new Map<string, string>();
  plan.criticalPath.tasks.forEach((id, i) => {
    const next = plan.criticalPath.tasks[i + 1];
    if (next) nextOnPath.set(id, next);
  });
  const place = new Map<string, { wave: number; index: number }>();
  plan.waves.forEach((wave, k) => {
    wave.forEach((id, index) => {
      place.set(id, { wave: k, index });
    });
  });
  const byKey = new Map<string, WaveNode>();
  const nodes: WaveNode[] = [];
  const add = (node: WaveNode) => {
    nodes.push(node);
    byKey.set(node.key, node);
  };
  const countCritical = (ids: readonly string[]) => ids.reduce((n, id) => n + (critical.has(id) ? 1 : 0), 0);

  plan.waves.forEach((wave, k) => {
    const shown = window.get(k);
    if (shown === undefined) {
      add({ kind: "summary", key: summaryKey(k), wave: k, count: wave.length, critical: countCritical(wave) });
      return;
    }
    for (const id of wave.slice(0, shown))
      add({ kind: "task", key: taskKey(id), id, wave: k, critical: critical.has(id) });
    const rest = wave.slice(shown);
    if (rest.length) add({ kind: "more", key: moreKey(k), wave: k, count: rest.length, critical: countCritical(rest) });
  });

  /** The node a planned task is drawn in (itself, its wave's "+N more", or its wave's summary). */
  const nodeOf = (id: string): string | undefined => {
    const at = place.get(id);
    if (!at) return undefined;
    const shown = window.get(at.wave);
    if (shown === undefined) return summaryKey(at.wave);
    return at.index < shown ? taskKey(id) : moreKey(at.wave);
  };

  const edges = new Map<string, WaveEdge>();
  const link = (from: string, to: string, isCritical = false) => {
    const a = byKey.get(from);
    const b = byKey.get(to);
    if (!a || !b || a.wave >= b.wave) return;
    if (b.wave - a.wave > 1 && (a.kind !== "task" || b.kind !== "task")) return;
    const key = `${from}>${to}`;
    const known = edges.get(key);
    if (known) known.critical ||= isCritical;
    else edges.set(key, { from, to, minlen: b.wave - a.wave, critical: isCritical });
  };

  // A dependency is drawn when one of its ends is a shown task; between summaries the wave edges stand for it.
  for (const [task, blocker] of dependencies) {
    const from = nodeOf(blocker);
    const to = nodeOf(task);
    if (!from || !to) continue;
    const toTask = to === taskKey(task);
    if (toTask || from === taskKey(blocker)) link(from, to, toTask && nextOnPath.get(blocker) === task);
  }
  const representative = (k: number) => {
    if (!window.has(k)) return summaryKey(k);
    return byKey.has(moreKey(k)) ? moreKey(k) : undefined;
  };
  for (let k = 0; k + 1 < plan.waves.length; k++) {
    const from = representative(k);
    const to = representative(k + 1);
    if (from && to) link(from, to);
  }
  return { nodes, edges: [...edges.values()] };
}
