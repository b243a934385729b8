import type { EventRow } from "./envelope.ts";
import { GENESIS_HASH, hashEvent } from "./hash.ts";

export type ChainCheck = { events: number; problems: string[] };

/** Recomputes every hash: a changed, removed or inserted event breaks the chain where it happened. */
export function verifyChain(rows: Iterable<EventRow>): ChainCheck {
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let events = 0;
  for (const row of rows) {
    events++;
    if (problems.length >= 20) continue;
    if (row.seq !== expectedSeq) problems.push(`seq jumps from ${expectedSeq - 1} to ${row.seq}: events missing`);
    if (row.prev_hash !== prev) problems.push(`#${row.seq} does not chain to the event before it`);
    if (hashEvent(row.prev_hash, row) !== row.hash) problems.push(`#${row.seq} does not match its hash: altered`);
    prev = row.hash;
    expectedSeq = row.seq + 1;
  }
  return { events, problems };
}
