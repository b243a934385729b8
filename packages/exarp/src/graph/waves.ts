import { components } from "./cycles.ts";
import type { Graph } from "./graph.ts";
import type { Indexed } from "./indexed.ts";
import { sortIndices, unblockCount } from "./order.ts";

/**
 * Why an unfinished task is in no wave: it depends on an unknown task, it is part of a cycle, or it
 * waits (transitively) on a task that is one of those. `via` names the task to look at.
 */
export type Unschedulable = { id: string; reason: "unknown-dependency" | "cycle" | "waits"; via: string };

export type Waves = {
  /** Wave k holds tasks whose unfinished blockers all sit in earlier waves; in work order. */
  waves: string[][];
  maxParallelism: number;
  unschedulable: Unschedulable[];
};

/**
 * Kahn levels over unfinished work: finished tasks satisfy dependencies and are not scheduled.
 * With `cap`, each wave takes at most `cap` tasks in work order and the rest wait for the next one
 * (list scheduling); without it, waves are exactly the Kahn levels. Tasks behind an unknown
 * dependency or a cycle can never start and are reported instead of scheduled.
 */
export function computeWaves(g: Graph, cap = Number.POSITIVE_INFINITY): Waves {
  const { ix } = g;
  const { n, ids, finished, depStart, dep, revStart, rev } = ix;
  const pending = new Int32Array(n);
  const stuck = new Uint8Array(n);
  const unschedulable: Unschedulable[] = [];
  const open: number[] = [];
  for (let i = 0; i < n; i++) {
    if (finished[i]) continue;
    open.push(i);
    let count = 0;
    let unknown = -1;
    for (let j = depStart[i] as number; j < (depStart[i + 1] as number); j++) {
      const b = dep[j] as number;
      if (b >= n) {
        if (unknown < 0) unknown = b;
      } else if (!finished[b]) count++;
    }
    pending[i] = count;
    if (unknown >= 0) {
      stuck[i] = 1;
      unschedulable.push({ id: ids[i] as string, reason: "unknown-dependency", via: ids[unknown] as string });
    }
  }
  // Every key of the work order is fixed per task, so one sort ranks all open work; waves then sort ranks.
  const unblocked = new Int32Array(n);
  for (const i of open) unblocked[i] = unblockCount(ix, i);
  const byRank = sortIndices(ix, open.slice(), unblocked);
  const rank = new Int32Array(n);
  byRank.forEach((i, r) => {
    rank[i] = r;
  });
  const available = new RankQueue(cap < open.length);
  for (const i of open) if (pending[i] === 0 && !stuck[i]) available.push(rank[i] as number);
  const waves: string[][] = [];
  const nodes: Int32Array[] = [];
  const placed = new Uint8Array(n);
  while (available.size) {
    const wave = available.take(cap);
    const named: string[] = new Array(wave.length);
    for (let k = 0; k < wave.length; k++) {
      const i = byRank[wave[k] as number] as number;
      wave[k] = i;
      named[k] = ids[i] as string;
    }
    nodes.push(wave);
    waves.push(named);
    for (const i of wave) {
      placed[i] = 1;
      for (let j = revStart[i] as number; j < (revStart[i + 1] as number); j++) {
        const d = rev[j] as number;
        if (finished[d]) continue;
        pending[d] = (pending[d] as number) - 1;
        if (pending[d] === 0 && !stuck[d]) available.push(rank[d] as number);
      }
    }
  }
  const left = open.filter((i) => !placed[i] && !stuck[i]);
  if (left.length) for (const reason of blocked(ix, left, placed)) unschedulable.push(reason);
  let maxParallelism = 0;
  for (const wave of waves) maxParallelism = Math.max(maxParallelism, wave.length);
  nodesOf.set(waves, nodes);
  return { waves, maxParallelism, unschedulable };
}

/** Nodes of the waves computeWaves handed out, so criticalPath does not look 100k ids up again. */
const nodesOf = new WeakMap<readonly (readonly string[])[], Int32Array[]>();

/** Nodes of every wave's tasks: remembered while the waves are unchanged, else looked up (strangers are -1). */
export function waveNodes(ix: Indexed, waves: readonly (readonly string[])[]): Int32Array[] {
  const known = nodesOf.get(waves);
  let same = known?.length === waves.length;
  for (let k = 0; same && k < waves.length; k++) {
    const wave = waves[k] as readonly string[];
    const nodes = known?.[k] as Int32Array;
    same = nodes.length === wave.length;
    for (let j = 0; same && j < wave.length; j++) same = ix.ids[nodes[j] as number] === wave[j];
  }
  if (same) return known as Int32Array[];
  return waves.map((wave) => Int32Array.from(wave, (id) => ix.index.get(id) ?? -1));
}

/** Open tasks that never became available: on a cycle among themselves, or waiting behind one. */
function blocked(ix: Indexed, left: number[], placed: Uint8Array): Unschedulable[] {
  const { n, ids, finished, depStart, dep } = ix;
  const rest = new Uint8Array(n);
  for (const i of left) rest[i] = 1;
  const inCycle = new Uint8Array(n);
  for (const component of components(ix, rest)) for (const i of component) inCycle[i] = 1;
  return left.map((i) => {
    let via = i;
    for (let j = depStart[i] as number; j < (depStart[i + 1] as number); j++) {
      const b = dep[j] as number;
      if (b < n && !finished[b] && !placed[b]) {
        via = b;
        break;
      }
    }
    return { id: ids[i] as string, reason: inCycle[i] ? "cycle" : "waits", via: ids[via] as string };
  });
}

/**
 * Ranks waiting to be scheduled. Released ranks are pushed after a wave is taken, so they wait for
 * the next wave; `take` hands out the best `cap` in rank order. Kept as a heap only when a cap can
 * leave work behind; otherwise every wave takes everything and a plain sort is cheaper.
 */
class RankQueue {
  #heap: number[] = [];
  readonly #ordered: boolean;

  constructor(ordered: boolean) {
    this.#ordered = ordered;
  }

  get size(): number {
    return this.#heap.length;
  }

  push(rank: number): void {
    const heap = this.#heap;
    let at = heap.push(rank) - 1;
    if (!this.#ordered) return;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if ((heap[up] as number) <= rank) break;
      heap[at] = heap[up] as number;
      at = up;
    }
    heap[at] = rank;
  }

  take(cap: number): Int32Array {
    const heap = this.#heap;
    if (cap >= heap.length) {
      this.#heap = [];
      return Int32Array.from(heap).sort();
    }
    const out = new Int32Array(cap);
    for (let k = 0; k < cap; k++) out[k] = this.#pop();
    return out;
  }

  #pop(): number {
    const heap = this.#heap;
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length === 0) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && (heap[child + 1] as number) < (heap[child] as number)) child++;
      if ((heap[child] as number) >= last) break;
      heap[at] = heap[child] as number;
      at = child;
    }
    heap[at] = last;
    return top;
  }
}
