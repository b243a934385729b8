import { LEASE_COLUMNS, LEASE_OF_TASK } from "../queries/leases.ts";
import { OPEN_BLOCKERS_OF } from "../queries/ready.ts";
import { TASK_BY_ID } from "../queries/tasks.ts";
import type { Claims } from "../store.ts";
import { numberPlaceholders, replacePlaceholders } from "./driver.ts";

// How a write transaction begins on PostgreSQL, as one request: BEGIN, what `claims` asks for
// (transaction-scoped advisory locks keyed by task, which only other claims ever wait on), the
// project's write lock, and where the log ends. The request is one text of several statements, so
// each statement reads a fresh snapshot, taken after the waits before it. The statements are
// prepared once per connection (PREPARE_BEGIN) and the text EXECUTEs them with literal values
// (the simple protocol has no parameters): the server parses and plans each once, not at every
// write, and the text stays short. Inside the request the connection plans them as it sees fit
// (`plan_cache_mode = auto`: a generic plan once it costs no more than the custom ones); the
// session's own setting, custom plans, holds again for the rest of the transaction.
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

/** What the failing statement of a settled claim says (inside the server's invalid-integer message). */
export const CLAIM_SETTLED = "exarp: claim settled";

/** How every exarp connection plans its statements outside the first request (set in open.ts). */
export const PLAN_CACHE_MODE = "force_custom_plan";

/** A statement prepared on every connection that begins writes: its name, parameter types, text. */
type Prepared = { name: string; types: string[]; sql: string };
const prepared = (name: string, types: string[], sql: string): Prepared => ({
  name: `exarp_begin_${name}`,
  types,
  sql: numberPlaceholders(sql),
});

const WRITE_LOCK = `SELECT schema_version AS version, compatible_from AS "compatibleFrom" FROM exarp_meta WHERE id = 1`;
/** A live lease of task $1 at time $2 held by anyone but agent $3 in session $4. */
const HELD_BY_OTHER = `FROM leases WHERE task_id = $1 AND expires_at > $2
    AND NOT (agent = $3 AND session IS NOT DISTINCT FROM $4)`;

/** The task `first_free` picked in this transaction (none: no row matches). */
const PICKED = "current_setting('exarp.picked', true)";
/** A query of one task (its `?`) asked of the picked task instead. */
const ofPicked = (sql: string) => replacePlaceholders(sql, () => PICKED);

const STATEMENTS = {
  // (space, key): 1 when the key was free and is this transaction's; else 0, once the holder's transaction ended.
  claimKey: prepared(
    "claim_key",
    ["int4", "int4"],
    `SELECT CASE WHEN pg_try_advisory_xact_lock($1, $2) THEN 1
    ELSE (SELECT 0 FROM pg_advisory_xact_lock_shared($1, $2)) END AS first`,
  ),
  claimHolder: prepared("claim_holder", ["text", "int8", "text", "text"], `SELECT ${LEASE_COLUMNS} ${HELD_BY_OTHER}`),
  // Text cast to an integer: '1' goes on, CLAIM_SETTLED fails (the claim is settled; see beginBatch).
  claimGo: prepared(
    "claim_go",
    ["text", "int8", "text", "text", "int4", "int4"],
    `SELECT (CASE WHEN EXISTS (SELECT 1 ${HELD_BY_OTHER}) OR NOT pg_try_advisory_xact_lock($5, $6)
    THEN ${literal(CLAIM_SETTLED)} ELSE '1' END)::int AS go`,
  ),
  // (ids, keys, now, space): no ORDER BY: the function scan yields the tasks in order and LIMIT
  // stops it at the first free one, so no later task is locked; CASE checks the lease before the key.
  // The pick is kept for the transaction (PICKED), for the statements that read its rows.
  firstFree: prepared(
    "first_free",
    ["text[]", "int4[]", "int8", "int4"],
    `SELECT c.n AS picked, set_config('exarp.picked', c.id, true) AS id
    FROM unnest($1::text[], $2::int4[]) WITH ORDINALITY AS c(id, k, n)
    WHERE CASE WHEN EXISTS (SELECT 1 FROM leases l WHERE l.task_id = c.id COLLATE "C" AND l.expires_at > $3)
      THEN false ELSE pg_try_advisory_xact_lock($4, c.k) END
    LIMIT 1`,
  ),
  writeLock: prepared("write_lock", [], `${WRITE_LOCK} FOR UPDATE`),
  logEnd: prepared("log_end", [], "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"),
  // What every command's sweep reads first: the leases expired at the command's time.
  expired: prepared(
    "expired",
    ["int8"],
    `SELECT ${LEASE_COLUMNS} FROM leases WHERE expires_at <= ? ORDER BY expires_at`,
  ),
  task: prepared("task", ["text"], TASK_BY_ID),
  lease: prepared("lease", ["text"], LEASE_OF_TASK),
  blockers: prepared("blockers", ["text"], OPEN_BLOCKERS_OF),
  pickedTask: prepared("picked_task", [], ofPicked(TASK_BY_ID)),
  pickedLease: prepared("picked_lease", [], ofPicked(LEASE_OF_TASK)),
  pickedBlockers: prepared("picked_blockers", [], ofPicked(OPEN_BLOCKERS_OF)),
};

/** The text that prepares every statement of a write's first request, run once on each connection. */
export const PREPARE_BEGIN = Object.values(STATEMENTS)
  .map(({ name, types, sql }) => `PREPARE ${name}${types.length ? `(${types.join(", ")})` : ""} AS ${sql}`)
  .join(";\n");

type Literal = string | number | null;
const execute = (statement: Prepared, ...args: Literal[]) =>
  `EXECUTE ${statement.name}${args.length ? `(${args.map(literal).join(", ")})` : ""}`;
const array = (values: readonly Literal[], type: string) => `ARRAY[${values.map(literal).join(", ")}]::${type}[]`;

/** The statements of the request, and which answer is which in its results. */
export type BeginBatch = {
  text: string;
  meta: number;
  last: number;
  expired: number;
  /** Of a claim that fails as settled (CLAIM_SETTLED), where the live lease is in its partial rows. */
  holder?: number;
  picked?: number;
  /**
   * The task row, lease row and open blockers of a claim's task, or of the task picked (what the
   * claim reads first), read under the lock.
   */
  claimed?: { task: number; lease: number; blockers: number };
};

/**
 * The request that opens a write transaction of the project whose claims are keyed in `space`.
 * - `claim`: the task's key exclusively when free; when another transaction holds it, the key shared
 *   instead, which waits for that one to end. Then the live lease someone else holds, if any. The
 *   claim goes on to BEGIN and the write lock only while nobody else holds such a lease and the key
 *   is this transaction's alone (asked again: a lock this session holds is granted again); otherwise
 *   it fails as settled, having waited for nothing but the other claim.
 * - `firstFree`: the first task that no live lease holds and whose key nobody holds, skipping the
 *   others without waiting; its position (1-based) is an answer, and its rows (`claimed`).
 * Positions count every statement of the text, the two that set how statements are planned included.
 */
export function beginBatch(space: number, claims: Claims | undefined, at: number): BeginBatch {
  // Times in whole ms (the services' clock gives no fractions; a library caller's store may).
  const ms = (t: number) => Math.floor(t);
  const S = STATEMENTS;
  const text = (...statements: string[]) =>
    ["SET LOCAL plan_cache_mode = auto", ...statements, `SET LOCAL plan_cache_mode = ${PLAN_CACHE_MODE}`].join(";\n  ");
  const opening = [execute(S.writeLock), execute(S.logEnd), execute(S.expired, ms(at))];
  if (claims && "claim" in claims) {
    const { taskId, agent, session, now } = claims.claim;
    const key = lockKey(taskId);
    const holder = [taskId, ms(now), agent, session];
    return {
      text: text(
        execute(S.claimKey, space, key),
        execute(S.claimHolder, ...holder),
        execute(S.claimGo, ...holder, space, key),
        "BEGIN",
        ...opening,
        execute(S.task, taskId),
        execute(S.lease, taskId),
        execute(S.blockers, taskId),
      ),
      holder: 1,
      meta: 5,
      last: 6,
      expired: 7,
      claimed: { task: 8, lease: 9, blockers: 10 },
    };
  }
  if (claims && claims.firstFree.length > 0) {
    const ids = array(claims.firstFree, "text");
    const keys = array(claims.firstFree.map(lockKey), "int4");
    return {
      text: text(
        "BEGIN",
        `EXECUTE ${S.firstFree.name}(${ids}, ${keys}, ${ms(claims.now)}, ${space})`,
        ...opening,
        execute(S.pickedTask),
        execute(S.pickedLease),
        execute(S.pickedBlockers),
      ),
      picked: 2,
      meta: 3,
      last: 4,
      expired: 5,
      claimed: { task: 6, lease: 7, blockers: 8 },
    };
  }
  return { text: text("BEGIN", ...opening), meta: 2, last: 3, expired: 4 };
}
