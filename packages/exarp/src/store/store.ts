import type { Clock } from "../clock.ts";
import { Refused } from "../errors-catalog.ts";
import type { NewEvent, StoredEvent } from "../event/catalog.ts";
import type { Lease } from "../lease/lease.ts";
import type { SqlDriver } from "./driver.ts";
import { type CommandMeta, insertNewEvent, insertStoredEvent } from "./event-log.ts";
import { createProjector, type KnownRows } from "./projection.ts";
import { createQueries, type Queries } from "./queries/index.ts";
import { type LeaseRow, leaseFromRow, type TaskRow, taskFromRow } from "./rows.ts";

export type { CommandMeta };

export type AppendOptions = {
  /** Marks these events as the undo of an earlier command (its first seq). */
  undoes?: number;
};

/** What a command sees inside its transaction: every read, plus append. */
export type Tx = Queries & {
  /** Validates, chains and stores events, and applies them to the projections at once. */
  append(events: readonly NewEvent[], options?: AppendOptions): StoredEvent[];
  /**
   * Ends the current command inside this transaction: events appended next form a command of their
   * own (so a sweep done on the way is not part of, and does not block the undo of, what follows).
   */
  newCommand(): void;
  /** Records where the audit mirror has written up to, and the size it left audit.jsonl at. */
  setAuditMark(seq: number, bytes: number): void;
  /**
   * The candidate of `firstFree` (see Contention) this transaction holds: the first one no other
   * transaction held when it began; undefined when all were held or none were given.
   */
  picked(): string | undefined;
};

/** A claim of one task by one holder, at a time of the store's clock (see Contention). */
export type ClaimIntent = { taskId: string; agent: string; session: string | null; now: number };

/**
 * What a write transaction contends for besides the write lock, so that racing claims sort
 * themselves out without queueing for it.
 * - `claim`: the command claims one task. When someone else holds the task's live lease, or another
 *   transaction is claiming the task (this one then waits for that one to end), the transaction
 *   takes no write lock, writes nothing and answers `whenHeld(holder)` instead of running `decide`:
 *   `holder` is the live lease someone else holds now, undefined when the other claim left none.
 * - `firstFree`: interchangeable tasks, best first (ready ones): the transaction holds the first one
 *   that no live lease holds and no other transaction is claiming, skipping those without waiting
 *   (as SKIP LOCKED does); `decide` finds it in `tx.picked()` and must still check it.
 * Over SQLite, whose write lock admits one writer at a time anyway, `claim` only checks the lease
 * before the lock, and `firstFree` picks the first task.
 */
export type Contention<T> =
  | { claim: ClaimIntent; whenHeld: (holder: Lease | undefined) => { result: T; events: StoredEvent[] } }
  | { firstFree: readonly string[]; now: number };

/** What a backend's begin is asked to hold besides the write lock (Contention without the answers). */
export type Claims = { claim: ClaimIntent } | { firstFree: readonly string[]; now: number };

/**
 * What a backend's begin did: opened the transaction, with where the log ends (when it read that)
 * and the task it picked; or, for a claim that was held, nothing (`held`, with the live lease).
 */
export type Begun = {
  end?: LogEnd;
  picked?: string;
  /** The leases expired at the command's time (what its sweep reads first), when begin read them. */
  expired?: LeaseRow[];
  /** A claimed or picked task, its lease and its open blockers, when begin read them under the lock. */
  claimed?: { taskId: string; task: TaskRow | undefined; lease: LeaseRow | undefined; openBlockers: string[] };
  held?: { holder: LeaseRow | undefined };
};

export type CommitListener = (events: readonly StoredEvent[]) => void;

/**
 * Takes part in every write transaction, after the command decided and before COMMIT, holding the
 * write lock (the audit mirror). It may throw to roll the command back. The function it returns,
 * if any, undoes its side effects should the COMMIT itself fail.
 */
export type CommitParticipant = (tx: Tx, appended: readonly StoredEvent[]) => (() => void) | undefined;

export type StoreOptions = {
  /** `normal` (default) survives a process crash; `full` also survives power loss, at an fsync per commit. */
  synchronous?: "normal" | "full";
  /**
   * How long a write waits, blocking, for another process's write lock before it fails with `Busy`
   * (default 5000). Long-lived processes keep this short and retry asynchronously.
   */
  busyTimeoutMs?: number;
  /** Create the database file when it is missing (only `exarp init` and the demo do). */
  create?: boolean;
};

/** A result that is not a promise: a transaction cannot span an await (refused at compile time). */
export type Sync<T> = T extends PromiseLike<unknown> ? never : T;

/** The only module that writes SQL: the event log, its projections and the transaction boundary. */
export type Store = Queries & {
  /** Which database holds the project. */
  readonly backend: "sqlite" | "postgres";
  /** Where: the SQLite file, or the PostgreSQL server and database without any password. */
  readonly path: string;
  /** The schema version the database holds, and the oldest one a binary may know and still use it. */
  schemaVersion(): { version: number; compatibleFrom: number };
  /**
   * The time every machine sharing this store agrees on: this machine's clock over SQLite, the
   * database server's over PostgreSQL (so a skewed laptop neither steals nor keeps a lease).
   */
  readonly clock: Clock;
  /**
   * Runs `decide` in one BEGIN IMMEDIATE transaction. Events it appends are committed together;
   * after commit, commit listeners see them. A throw rolls everything back. `decide` must be
   * synchronous (a promise would commit before the work ran): the types and a runtime check refuse it.
   */
  transact<T>(
    meta: CommandMeta,
    decide: (tx: Tx) => Sync<T>,
    contention?: Contention<T>,
  ): { result: T; events: StoredEvent[] };
  onCommit(listener: CommitListener): () => void;
  /** Adds a participant to every write transaction (see CommitParticipant). */
  participate(participant: CommitParticipant): () => void;
  /**
   * Loads a complete log into an empty database exactly as given (seq, hashes and all) and projects
   * it, in one transaction; `check` may inspect the result and throw to roll it back, or append
   * events after the restored ones (recorded with `meta`).
   */
  restoreLog(events: readonly StoredEvent[], check?: (tx: Tx) => void, meta?: CommandMeta): void;
  /** SQLite's own quick check; empty when the file is sound. */
  integrityProblems(): string[];
  /** Changes whenever another connection commits (SQLite `PRAGMA data_version`, PostgreSQL's wake-ups). */
  dataVersion(): number;
  /**
   * Calls `listener` on the event loop when another process may have committed, where the database
   * can tell (PostgreSQL's LISTEN/NOTIFY); over SQLite the feed watches the database's folder instead.
   */
  onExternalChange(listener: () => void): () => void;
  close(): void;
};

/** The last event of the log: its seq (0 when empty) and hash (the genesis hash when empty). */
export type LogEnd = { seq: number; hash: string };

/** What differs between the databases around the shared transaction logic. */
export type Backend = {
  name: Store["backend"];
  path: string;
  clock: Clock;
  /**
   * Opens the write transaction, holding the project's write lock and what `claims` names; may
   * answer where the log ends (read under the lock), saving the store the queries. A claim that is
   * held (see Contention) opens nothing and answers `held`.
   */
  begin(claims: Claims | undefined, at: number): Begun;
  /** Commits; `appended` are the events the transaction wrote (to check a commit whose answer was lost). */
  commit(appended: readonly StoredEvent[]): void;
  rollback(): void;
  /** The error a caller can act on, for a failure inside a transaction. */
  failure(error: unknown): unknown;
  dataVersion(): number;
  integrityProblems(): string[];
  onExternalChange(listener: () => void): () => void;
  schemaVersion(): { version: number; compatibleFrom: number };
};

/** Each store's SQL driver: private to the store's own modules and to tests, never part of `Store`. */
const drivers = new WeakMap<Store, SqlDriver>();

/** The SQL driver under `store` (the store's modules, tests and benchmarks; not the public API). */
export function driverOf(store: Store): SqlDriver {
  const driver = drivers.get(store);
  if (!driver) throw new Error("exarp store: not a store made by createStore");
  return driver;
}

/** The store over an open, migrated database; `backend` supplies what differs between databases. */
export function createStore(db: SqlDriver, backend: Backend): Store {
  const q = createQueries(db);
  const known: KnownRows = { tasks: new Map(), leases: new Map() };
  const project = createProjector(db, q, known);
  const listeners = new Set<CommitListener>();
  const participants = new Set<CommitParticipant>();
  let inTransaction = false;

  const notify = (events: readonly StoredEvent[]) => {
    if (events.length === 0) return;
    for (const listener of listeners) {
      try {
        listener(events);
      } catch (error) {
        // The command is committed; a failing listener must not make it look failed.
        process.emitWarning(`exarp: commit listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  /** Runs `decide` in one write transaction; `restore` inserts stored events as given (restoreLog). */
  const run = <T>(
    meta: CommandMeta,
    decide: (tx: Tx, restore: (events: readonly StoredEvent[]) => void) => T,
    contention?: Contention<T>,
  ): { result: T; events: StoredEvent[] } => {
    if (inTransaction) throw new Error("exarp store: nested transaction");
    const appended: StoredEvent[] = [];
    let seq = 0;
    let prevHash = "";
    let positioned = false;
    let end: LogEnd | undefined;
    let command: number | undefined;
    let picked: string | undefined;
    /** The expired leases begin read at the command's time, for the sweep's first read. */
    let expired: LeaseRow[] | undefined;
    /** What begin read of a claimed or picked task, for the command's first reads (until the first append). */
    let claimed: Begun["claimed"];
    const early = (id: string) => (claimed?.taskId === id && appended.length === 0 ? claimed : undefined);
    const restore = (events: readonly StoredEvent[]) => {
      for (const e of events) {
        insertStoredEvent(db, e);
        project(e);
        appended.push(e);
      }
      positioned = false;
      end = undefined;
    };
    const append = (events: readonly NewEvent[], options: AppendOptions = {}): StoredEvent[] => {
      if (!positioned) {
        seq = end ? end.seq : q.maxSeq();
        prevHash = end ? end.hash : q.lastHash();
        positioned = true;
      }
      command ??= seq + 1;
      const group = command;
      return events.map((event) => {
        const at = { seq: ++seq, prevHash, command: group, undoes: options.undoes ?? null };
        const stored = insertNewEvent(db, event, at, meta);
        prevHash = stored.hash;
        project(stored);
        appended.push(stored);
        return stored;
      });
    };
    const tx: Tx = {
      ...q,
      expiredLeases(now) {
        const read = expired;
        expired = undefined;
        return read && now === meta.time && appended.length === 0 ? read.map(leaseFromRow) : q.expiredLeases(now);
      },
      task(id, now) {
        if (now !== undefined || !known.tasks.has(id)) return q.task(id, now);
        const task = known.tasks.get(id);
        return task ? { ...task, tags: [...task.tags] } : undefined;
      },
      lease(id) {
        if (!known.leases.has(id)) return q.lease(id);
        const row = known.leases.get(id);
        return row ? leaseFromRow(row) : undefined;
      },
      openBlockerIds(id) {
        return early(id)?.openBlockers.slice() ?? q.openBlockerIds(id);
      },
      append,
      newCommand: () => {
        command = undefined;
      },
      setAuditMark: (at, bytes) => {
        db.prepare(
          "INSERT INTO audit_mirror (id, seq, bytes) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes",
        ).run(at, bytes);
      },
      picked: () => picked,
    };
    inTransaction = true;
    const undo: (() => void)[] = [];
    let result = undefined as T;
    let held: Begun["held"];
    try {
      const begun = backend.begin(
        contention &&
          ("claim" in contention
            ? { claim: contention.claim }
            : { firstFree: contention.firstFree, now: contention.now }),
        meta.time,
      );
      expired = begun.expired;
      claimed = begun.claimed;
      if (claimed) {
        // Read under the lock: the task's and lease's rows as they stand, kept by the projection from here.
        known.tasks.set(claimed.taskId, claimed.task ? taskFromRow(claimed.task) : null);
        known.leases.set(claimed.taskId, claimed.lease ?? null);
      }
      end = begun.end;
      picked = begun.picked;
      held = begun.held;
      if (!held) {
        try {
          result = decide(tx, restore);
          if (isThenable(result)) {
            (result as PromiseLike<unknown>).then(undefined, () => undefined);
            throw new Error("exarp store: a transaction callback must be synchronous (it returned a promise)");
          }
          for (const participant of participants) {
            const back = participant(tx, appended);
            if (back) undo.push(back);
          }
          backend.commit(appended);
        } catch (error) {
          backend.rollback();
          for (const back of undo.reverse()) back();
          throw backend.failure(error);
        }
      }
    } finally {
      inTransaction = false;
      known.tasks.clear();
      known.leases.clear();
    }
    // Someone else holds the task, or was claiming it until a moment ago: this transaction took nothing.
    if (held && contention && "whenHeld" in contention)
      return contention.whenHeld(held.holder && leaseFromRow(held.holder));
    notify(appended);
    return { result, events: appended };
  };

  const store: Store = {
    ...q,
    backend: backend.name,
    path: backend.path,
    clock: backend.clock,
    schemaVersion: backend.schemaVersion,
    transact: <T>(meta: CommandMeta, decide: (tx: Tx) => Sync<T>, contention?: Contention<T>) =>
      run<T>(meta, decide as (tx: Tx) => T, contention),
    restoreLog(events, check, meta = { actor: "", session: null, origin: "", time: 0 }) {
      run(meta, (tx, restore) => {
        if (tx.maxSeq() !== 0)
          throw new Refused({
            reason: "the project already has history; a full log can only be restored into an empty one",
          });
        restore(events);
        check?.(tx);
      });
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    participate(participant) {
      participants.add(participant);
      return () => participants.delete(participant);
    },
    integrityProblems: backend.integrityProblems,
    dataVersion: backend.dataVersion,
    onExternalChange: backend.onExternalChange,
    close() {
      listeners.clear();
      participants.clear();
      db.close();
    },
  };
  drivers.set(store, db);
  return store;
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
