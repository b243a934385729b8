import type { Indexed } from "./indexed.ts";

/** How many unfinished tasks wait directly on node i (a task waiting twice counts twice). */
export function unblockCount(ix: Indexed, i: number): number {
  let count = 0;
  for (let j = ix.revStart[i] as number; j < (ix.revStart[i + 1] as number); j++)
    if (ix.finished[ix.rev[j] as number] === 0) count++;
  return count;
}

/** Sorts task nodes in place into compareForWork's order, reading the indexes instead of copying tasks. */
export function sortIndices(ix: Indexed, nodes: number[], unblocks: ArrayLike<number>): number[] {
  const { rank, ids } = ix;
  const createdAt = ix.tasks.createdAt;
  return nodes.sort(
    (a, b) =>
      (rank[b] as number) - (rank[a] as number) ||
      (unblocks[b] as number) - (unblocks[a] as number) ||
      (createdAt[a] as number) - (createdAt[b] as number) ||
      ((ids[a] as string) < (ids[b] as string) ? -1 : (ids[a] as string) > (ids[b] as string) ? 1 : 0),
  );
}
