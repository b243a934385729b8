import { Busy, DiskFull, StorageError, Unavailable } from "../../errors-catalog.ts";
import type { StoredEvent } from "../../event/catalog.ts";
import { GENESIS_HASH } from "../../event/hash.ts";
import type { LeaseRow, TaskRow } from "../rows.ts";
import { type Backend, createStore, type LogEnd, type Store, type StoreOptions } from "../store.ts";
import { beginBatch, CLAIM_SETTLED, lockKey, PLAN_CACHE_MODE, PREPARE_BEGIN } from "./begin.ts";
import { type Bridge, BridgeError, openBridge } from "./bridge.ts";
import { createPgDriver, type PgDriver } from "./driver.ts";
import { checkSchema, type SchemaState, schemaState, upgradeSchema } from "./schema.ts";
import { type PgLocation, parsePgUrl } from "./url.ts";

/** How long any one request may take before the server counts as unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How often the listening connection polls for commits (the fallback when LISTEN is dropped). */
export const POLL_MS = 1_000;

export type PgStoreOptions = Pick<StoreOptions, "busyTimeoutMs" | "create"> & {
  /** Password for the URL's user when it is not in the URL, PGPASSWORD or ~/.pgpass. */
  password?: string;
  /** Poll interval of the fallback (tests shorten or lengthen it). */
  pollMs?: number;
};

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The URL node-postgres connects with, carrying `password` when the URL has none: a `password`
 * setting beside a connection string is overridden by the string's own (empty) password.
 */
function withPassword(location: PgLocation, password: string | undefined): string {
  if (password === undefined || location.hasPassword) return location.connectionString;
  const url = new URL(location.connectionString);
  url.password = encodeURIComponent(password);
  return url.href;
}

/** The LISTEN channel of one project: its schema's name, as an identifier. */
export const channelOf = (schema: string) => quoteIdent(`exarp.${schema}`);

/**
 * Opens a project held in PostgreSQL. `create` makes the schema in an empty database (or schema);
 * otherwise a database without an exarp project is refused, as is a schema this exarp cannot use.
 */
/** How a connection to a project's schema is made (see connectProject). */
export type ConnectOptions = Pick<PgStoreOptions, "password" | "busyTimeoutMs" | "pollMs"> & {
  /** Who connects, as the server's activity lists show it. */
  applicationName: string;
  /** Follow other connections' commits (LISTEN and the poll); a schema administrator does not. */
  follow: boolean;
};

/** The bridge to one project's schema, set up as every connection to it is; failures translated. */
export function connectProject(location: PgLocation, options: ConnectOptions): Bridge {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  try {
    return openBridge({
      connection: {
        connectionString: withPassword(location, options.password),
        application_name: options.applicationName,
        connectionTimeoutMillis: 10_000,
        keepAlive: true,
      },
      setup: [
        `SET search_path TO ${quoteIdent(location.schema)}`,
        // A write (or an upgrade) waits this long for another's lock, then reports Busy, as over SQLite.
        `SET lock_timeout = ${Math.max(1, Math.floor(busyTimeoutMs))}`,
        `SET statement_timeout = ${REQUEST_TIMEOUT_MS - 5_000}`,
        // A client that froze inside a transaction must not hold the project's write lock for ever.
        "SET idle_in_transaction_session_timeout = 60000",
        // Plans made for the rows each statement names, not one generic plan kept from when a
        // table was empty (a bulk import otherwise scans whole tables per row), and index scans
        // priced as the cached, small projection tables make them (the ready set in index order).
        // (A write's first request plans its own statements: see begin.ts.)
        `SET plan_cache_mode = ${PLAN_CACHE_MODE}`,
        "SET random_page_cost = 1.1",
        // Literals in a write transaction's first request (begin.ts) are written this way.
        "SET standard_conforming_strings = on",
      ],
      prepare: PREPARE_BEGIN,
      channel: channelOf(location.schema),
      headQuery: options.follow
        ? `SELECT coalesce(max(seq), 0) AS head FROM ${quoteIdent(location.schema)}.events`
        : "SELECT 0 AS head",
      pollMs: options.follow ? (options.pollMs ?? POLL_MS) : 60_000,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (error) {
    throw pgFailure(error, location, busyTimeoutMs);
  }
}

/**
 * Opens a project held in PostgreSQL. `create` makes the schema in an empty database (or schema);
 * otherwise a database without an exarp project is refused, as is a schema this exarp cannot use.
 */
export function openPgStore(url: string, options: PgStoreOptions = {}): Store {
  const location = parsePgUrl(url);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const bridge = connectProject(location, { ...options, applicationName: "exarp", follow: true });
  try {
    const db = createPgDriver(bridge, (error) => pgFailure(error, location, busyTimeoutMs));
    const state = schemaState(db, location.schema);
    if (state.version === 0 && options.create) upgradeSchema(db, location.schema);
    else checkSchema(state, location);
    return createStore(db, pgBackend(db, bridge, location, busyTimeoutMs));
  } catch (error) {
    bridge.close();
    throw pgFailure(error, location, busyTimeoutMs);
  }
}

/** The failure a settled claim's request ends with on purpose (begin.ts): invalid input for an integer. */
const isSettled = (error: unknown): error is BridgeError =>
  error instanceof BridgeError && error.code === "22P02" && error.message.includes(CLAIM_SETTLED);

function pgBackend(db: PgDriver, bridge: Bridge, location: PgLocation, busyTimeoutMs: number): Backend {
  const server = location.display;
  const failure = (error: unknown) => pgFailure(error, location, busyTimeoutMs);
  // Claims of this project's tasks, apart from every other project's on the same server.
  const space = lockKey(`exarp.claims.${location.schema}`);
  const rollback = () => {
    try {
      bridge.simple("ROLLBACK");
    } catch {
      // The connection is gone: so is the transaction.
    }
  };
  return {
    name: "postgres",
    path: server,
    clock: { now: () => Math.round(Date.now() + bridge.clockOffset()) },
    begin(claims, at) {
      const batch = beginBatch(space, claims, at);
      try {
        let results: unknown[][];
        try {
          results = bridge.simple(batch.text, { tx: true, begin: true, prepared: true }).results ?? [];
        } catch (error) {
          // Someone else holds the task, or was claiming it until a moment ago: the server ended the
          // claim's transaction before BEGIN, with no write lock taken.
          if (batch.holder !== undefined && isSettled(error))
            return { held: { holder: error.partial[batch.holder]?.[0] as LeaseRow | undefined } };
          throw error;
        }
        const locked = results[batch.meta]?.[0] as SchemaState | undefined;
        db.setTransaction(true);
        // An upgrade may have run since this process opened the project: checked under the lock.
        checkSchema(locked ?? { version: 0, compatibleFrom: 0 }, location);
        const end = results[batch.last]?.[0] as LogEnd | undefined;
        const position =
          batch.picked === undefined
            ? undefined
            : (results[batch.picked]?.[0] as { picked?: unknown } | undefined)?.picked;
        const picked = claims && "firstFree" in claims && position ? claims.firstFree[Number(position) - 1] : undefined;
        // The task the request read the rows of: the one claimed, or the one picked.
        const claimedId = claims && "claim" in claims ? claims.claim.taskId : picked;
        return {
          end: end ? { seq: end.seq, hash: end.hash } : { seq: 0, hash: GENESIS_HASH },
          picked,
          expired: results[batch.expired] as LeaseRow[] | undefined,
          claimed:
            batch.claimed && claimedId !== undefined
              ? {
                  taskId: claimedId,
                  task: results[batch.claimed.task]?.[0] as TaskRow | undefined,
                  lease: results[batch.claimed.lease]?.[0] as LeaseRow | undefined,
                  openBlockers: ((results[batch.claimed.blockers] ?? []) as { blocker_id: string }[]).map(
                    (r) => r.blocker_id,
                  ),
                }
              : undefined,
        };
      } catch (error) {
        db.setTransaction(false);
        rollback();
        throw failure(error);
      }
    },
    commit(appended) {
      try {
        // A command that changed nothing (a claim that lost, say) ends without a commit to flush
        // or a notification to wake every listener with.
        const changed = appended.length > 0 || db.wroteInTransaction();
        bridge.simple(
          changed ? `SELECT pg_notify('${channelOf(location.schema).slice(1, -1)}', ''); COMMIT` : "ROLLBACK",
          {
            tx: true,
          },
        );
        db.setTransaction(false);
      } catch (error) {
        db.setTransaction(false);
        if (error instanceof BridgeError && error.lost && appended.length > 0) confirmCommit(bridge, appended, server);
        else throw error;
      }
    },
    rollback() {
      const open = db.inTransaction();
      db.setTransaction(false);
      if (!open) return;
      try {
        bridge.drain();
      } catch {
        // The transaction is being abandoned: its own failures no longer matter.
      }
      rollback();
    },
    failure,
    dataVersion: () => bridge.changes(),
    integrityProblems: () => [],
    onExternalChange: (listener) => bridge.onChange(listener),
    schemaVersion: () => schemaState(db, location.schema),
  };
}

/**
 * The answer to COMMIT was lost with the connection: the command may or may not have been applied.
 * The log says which: if its last event is there with the hash this process computed, it was.
 */
function confirmCommit(bridge: Bridge, appended: readonly StoredEvent[], server: string): void {
  const last = appended.at(-1) as StoredEvent;
  let found: unknown;
  try {
    found = bridge.query({ text: "SELECT hash FROM events WHERE seq = $1", params: [last.seq] }).rows[0];
  } catch {
    throw new Unavailable({
      server,
      reason: `the connection broke during the commit of seq ${last.seq}; whether it was applied is unknown until the server answers (see \`exarp history\`)`,
    });
  }
  if ((found as { hash?: string } | undefined)?.hash === last.hash) return;
  throw new Unavailable({ server, reason: "the connection broke before the commit; nothing was applied" });
}

/** Translates a PostgreSQL (or connection) failure into the error a caller can act on. */
export function pgFailure(error: unknown, location: PgLocation, busyTimeoutMs: number): unknown {
  if (!(error instanceof BridgeError)) return error;
  const server = location.display;
  // The server's own refusals first: a connection it refused (wrong password, no such database or
  // role) is lost too, but retrying will not help, so it is not Unavailable.
  switch (error.code) {
    case "55P03": // lock_not_available: another writer held the project's lock past lock_timeout
    case "40P01": // deadlock_detected
    case "40001": // serialization_failure
      return new Busy({ waitedMs: busyTimeoutMs });
    case "53100": // disk_full
      return new DiskFull({ path: server });
    case "28000": // invalid_authorization_specification (also an unknown role, which no password helps)
    case "28P01": // invalid_password
      return new StorageError({
        path: server,
        reason: /role .* does not exist/.test(error.message)
          ? error.message
          : `${error.message} (give the password by ~/.pgpass, PGPASSWORD or the project's database.passwordEnv)`,
      });
    case "42P01": // undefined_table
    case "42703": // undefined_column
      return new StorageError({
        path: server,
        reason: `the project's tables are not as exarp made them (${error.message}); \`exarp doctor\` checks them`,
      });
    case "3D000": // invalid_catalog_name: no such database
    case "42501": // insufficient_privilege
      return new StorageError({ path: server, reason: error.message });
    default:
      return error.lost ? new Unavailable({ server, reason: error.message }) : error;
  }
}
