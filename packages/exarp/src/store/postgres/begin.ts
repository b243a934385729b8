import { LEASE_OF_TASK } from "../queries/leases.ts";
import { OPEN_BLOCKERS_OF } from "../queries/ready.ts";
import { TASK_BY_ID } from "../queries/tasks.ts";
import type { Claims } from "../store.ts";
import { replacePlaceholders } from "./driver.ts";

// How a write transaction begins on PostgreSQL, as one request: BEGIN, what `claims` asks for
// (transaction-scoped advisory locks keyed by task, which only other claims ever wait on), the
// project's write lock, and where the log ends. The request is one text of several statements, so
// each statement reads a fresh snapshot, taken after the waits before it; values are inlined as
// literals (the simple protocol has no parameters).
//
// A claim contends before BEGIN: statements ahead of BEGIN in one text run in an implicit
// transaction, which BEGIN turns into the explicit one, locks kept. A claim that is settled already
// (someone else holds the task) fails a statement there on purpose (CLAIM_SETTLED): the server skips
// the rest of the text and ends the implicit transaction itself, so the loser's one request is its
// whole command, with no BEGIN to end.

/** A 32-bit signed hash of `text` (FNV-1a): an advisory lock's key. */
export function lockKey(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** `value` as an SQL literal (standard_conforming_strings is on for every exarp connection). */
export function literal(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`exarp store: not an integer literal: ${value}`);
    return String(value);
  }
  if (value.includes("\0")) throw new Error("exarp store: text with a NUL character cannot be stored");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A store query with its parameters written in as literals. */
const inlined = (sql: string, params: (string | number | null)[]) =>
  replacePlaceholders(sql, (n) => literal(params[n - 1] ?? null));

/** What the failing statement of a settled claim says (inside the server's invalid-integer message). */
export const CLAIM_SETTLED = "exarp: claim settled";

/** The statements of the request, and which answer is which in its results. */
export type BeginBatch = {
  text: string;
  meta: number;
  last: number;
  expired: number;
  /** Of a claim that fails as settled (CLAIM_SETTLED), where the live lease is in its partial rows. */
  holder?: number;
  picked?: number;
  /** A claim's task row, lease row and open blockers (what the claim reads first), read under the lock. */
  claimed?: { task: number; lease: number; blockers: number };
};

const WRITE_LOCK = `SELECT schema_version AS version, compatible_from AS "compatibleFrom" FROM exarp_meta WHERE id = 1`;
const LOG_END = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";

/**
 * The request that opens a write transaction of the project whose claims are keyed in `space`.
 * - `claim`: the task's key exclusively when free; when another transaction holds it, the key shared
 *   instead, which waits for that one to end. Then the live lease someone else holds, if any. The
 *   claim goes on to BEGIN and the write lock only while nobody else holds such a lease and the key
 *   is this transaction's alone (asked again: a lock this session holds is granted again); otherwise
 *   it fails as settled, having waited for nothing but the other claim.
 * - `firstFree`: the first task that no live lease holds and whose key nobody holds, skipping the
 *   others without waiting; its position (1-based) is an answer.
 */
export function beginBatch(space: number, claims: Claims | undefined, at: number): BeginBatch {
  // Times in whole ms (the services' clock gives no fractions; a library caller's store may).
  const ms = (t: number) => literal(Math.floor(t));
  // Last, what every command's sweep reads first: the leases expired at the command's time.
  const expired = `SELECT * FROM leases WHERE expires_at <= ${ms(at)} ORDER BY expires_at`;
  if (claims && "claim" in claims) {
    const { taskId, agent, session, now } = claims.claim;
    const key = lockKey(taskId);
    const heldByOther = `FROM leases WHERE task_id = ${literal(taskId)} AND expires_at > ${ms(now)}
    AND NOT (agent = ${literal(agent)} AND session IS NOT DISTINCT FROM ${literal(session)})`;
    // The third statement's value is text cast to an integer: '1' goes on, CLAIM_SETTLED fails.
    return {
      text: `SELECT CASE WHEN pg_try_advisory_xact_lock(${space}, ${key}) THEN 1
    ELSE (SELECT 0 FROM pg_advisory_xact_lock_shared(${space}, ${key})) END AS first;
  SELECT * ${heldByOther};
  SELECT (CASE WHEN EXISTS (SELECT 1 ${heldByOther}) OR NOT pg_try_advisory_xact_lock(${space}, ${key})
    THEN ${literal(CLAIM_SETTLED)} ELSE '1' END)::int AS go;
  BEGIN;
  ${WRITE_LOCK} FOR UPDATE;
  ${LOG_END};
  ${expired};
  ${inlined(TASK_BY_ID, [taskId])};
  ${inlined(LEASE_OF_TASK, [taskId])};
  ${inlined(OPEN_BLOCKERS_OF, [taskId])}`,
      holder: 1,
      meta: 4,
      last: 5,
      expired: 6,
      claimed: { task: 7, lease: 8, blockers: 9 },
    };
  }
  if (claims && claims.firstFree.length > 0) {
    const ids = claims.firstFree.map(literal).join(", ");
    const keys = claims.firstFree.map(lockKey).join(", ");
    return {
      // No ORDER BY: the function scan yields the tasks in order and LIMIT stops it at the first
      // free one, so no later task is locked; CASE checks the lease before trying the key.
      text: `BEGIN;
  SELECT c.n AS picked FROM unnest(ARRAY[${ids}]::text[], ARRAY[${keys}]::int4[]) WITH ORDINALITY AS c(id, k, n)
    WHERE CASE WHEN EXISTS (SELECT 1 FROM leases l WHERE l.task_id = c.id COLLATE "C" AND l.expires_at > ${ms(claims.now)})
      THEN false ELSE pg_try_advisory_xact_lock(${space}, c.k) END
    LIMIT 1;
  ${WRITE_LOCK} FOR UPDATE;
  ${LOG_END};
  ${expired}`,
      picked: 1,
      meta: 2,
      last: 3,
      expired: 4,
    };
  }
  return { text: `BEGIN;\n  ${WRITE_LOCK} FOR UPDATE;\n  ${LOG_END};\n  ${expired}`, meta: 1, last: 2, expired: 3 };
}
