import { findCycles } from "./cycles.ts";
import { type Graph, openBlockers, statusOf, taskOf } from "./graph.ts";

/** One task that holds another back, found by walking open blockers. */
export type BlockerStep = {
  id: string;
  /** Its status, or "unknown" for a dependency on a task that does not exist (fails closed). */
  status: string;
  /** How far from the task being explained: 1 = a direct blocker. */
  depth: number;
  /** The task that waits on this one. */
  for: string;
};

export type Explanation = {
  id: string;
  ready: boolean;
  /** Plain reasons, most direct first. */
  reasons: string[];
  blockers: BlockerStep[];
  /** A cycle the task sits on, `[a, …, a]`, when there is one. */
  cycle?: string[];
};

/** Why is this task (not) ready? Names its status, its open blockers transitively, and any cycle. */
export function explainTask(g: Graph, id: string, held?: { by: string }): Explanation {
  const task = taskOf(g, id);
  const reasons: string[] = [];
  if (!task) return { id, ready: false, reasons: [`${id} does not exist`], blockers: [] };
  if (task.status !== "todo") reasons.push(`${id} is ${task.status.replace("_", " ")}, not todo`);
  if (held) reasons.push(`${id} is leased by ${held.by}`);
  const blockers: BlockerStep[] = [];
  const seen = new Set([id]);
  let frontier = [id];
  for (let depth = 1; frontier.length; depth++) {
    const next: string[] = [];
    for (const at of frontier) {
      for (const b of openBlockers(g, at)) {
        if (seen.has(b)) continue;
        seen.add(b);
        blockers.push({ id: b, status: statusOf(g, b) ?? "unknown", depth, for: at });
        next.push(b);
      }
    }
    frontier = next;
  }
  for (const b of blockers.filter((s) => s.depth === 1)) {
    reasons.push(
      b.status === "unknown"
        ? `waits for ${b.id}, which does not exist`
        : `waits for ${b.id} (${b.status.replace("_", " ")})`,
    );
  }
  const deeper = blockers.filter((s) => s.depth > 1).length;
  if (deeper) reasons.push(`and ${deeper} more task(s) further up the chain`);
  const cycle = blockers.length ? findCycles(g).find((c) => c.includes(id)) : undefined;
  if (cycle) reasons.push(`it is on a dependency cycle: ${cycle.join(" → ")}`);
  return { id, ready: reasons.length === 0, reasons, blockers, ...(cycle ? { cycle } : {}) };
}
