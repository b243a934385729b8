import { Refused, StorageError } from "../errors-catalog.ts";
import type { NewEvent, StoredEvent } from "../event/catalog.ts";
import { openDriver, type SqlDriver } from "./driver.ts";
import { type CommandMeta, insertNewEvent, insertStoredEvent } from "./event-log.ts";
import { migrate } from "./migrate.ts";
import { createProjector } from "./projection.ts";
import { createQueries, type Queries } from "./queries.ts";

export type { CommandMeta };

export type AppendOptions = {
  /** Marks these events as the undo of an earlier command (its first seq). */
  undoes?: number;
};

/** What a command sees inside its transaction: every read, plus append. */
export type Tx = Queries & {
  /** Validates, chains and stores events, and applies them to the projections at once. */
  append(events: readonly NewEvent[], options?: AppendOptions): StoredEvent[];
};

export type CommitListener = (events: readonly StoredEvent[]) => void;

export type StoreOptions = {
  /** `normal` (default) survives a process crash; `full` also survives power loss, at an fsync per commit. */
  synchronous?: "normal" | "full";
  busyTimeoutMs?: number;
};

/** The only module that writes SQL: the event log, its projections and the transaction boundary. */
export type Store = Queries & {
  readonly path: string;
  readonly driver: SqlDriver;
  /**
   * Runs `decide` in one BEGIN IMMEDIATE transaction. Events it appends are committed together;
   * after commit, commit listeners see them. A throw rolls everything back.
   */
  transact<T>(meta: CommandMeta, decide: (tx: Tx) => T): { result: T; events: StoredEvent[] };
  /** Holds the write lock while `fn` runs, without writing (serialises the audit mirror). */
  withWriteLock<T>(fn: () => T): T;
  onCommit(listener: CommitListener): () => void;
  /**
   * Loads a complete log into an empty database exactly as given (seq, hashes and all) and projects
   * it, in one transaction; `check` may inspect the result and throw to roll it back.
   */
  restoreLog(events: readonly StoredEvent[], check?: (q: Queries) => void): void;
  /** SQLite's own quick check; empty when the file is sound. */
  integrityProblems(): string[];
  /** Changes whenever another connection commits (SQLite `PRAGMA data_version`). */
  dataVersion(): number;
  close(): void;
};

/** Opens (creating if needed) an exarp database: WAL, busy timeout, foreign keys, migrated schema. */
export function openStore(path: string, options: StoreOptions = {}): Store {
  let db: SqlDriver;
  try {
    db = openDriver(path);
  } catch (error) {
    throw new StorageError({ path, reason: sqliteReason(error) });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, path);
  } catch (error) {
    db.close();
    if (StorageError.is(error)) throw error;
    throw new StorageError({ path, reason: sqliteReason(error) });
  }
  return createStore(db, path);
}

function createStore(db: SqlDriver, path: string): Store {
  const q = createQueries(db);
  const project = createProjector(db, q);
  const listeners = new Set<CommitListener>();
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

  const transact = <T>(meta: CommandMeta, decide: (tx: Tx) => T): { result: T; events: StoredEvent[] } => {
    if (inTransaction) throw new Error("exarp store: nested transaction");
    const appended: StoredEvent[] = [];
    let seq = 0;
    let prevHash = "";
    const append = (events: readonly NewEvent[], options: AppendOptions = {}): StoredEvent[] => {
      if (appended.length === 0) {
        seq = q.maxSeq();
        prevHash = q.lastHash();
      }
      const command = appended[0]?.seq ?? seq + 1;
      return events.map((event) => {
        const at = { seq: ++seq, prevHash, command, undoes: options.undoes ?? null };
        const stored = insertNewEvent(db, event, at, meta);
        prevHash = stored.hash;
        project(stored);
        appended.push(stored);
        return stored;
      });
    };
    inTransaction = true;
    let result: T;
    try {
      db.exec("BEGIN IMMEDIATE");
      try {
        result = decide({ ...q, append });
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      inTransaction = false;
    }
    notify(appended);
    return { result, events: appended };
  };

  const dataVersionStmt = db.prepare<{ data_version: number }>("PRAGMA data_version");

  return {
    ...q,
    path,
    driver: db,
    transact,
    withWriteLock<T>(fn: () => T): T {
      db.exec("BEGIN IMMEDIATE");
      try {
        return fn();
      } finally {
        db.exec("ROLLBACK");
      }
    },
    restoreLog(events, check) {
      transact({ actor: "", session: null, origin: "", time: 0 }, (tx) => {
        if (tx.maxSeq() !== 0)
          throw new Refused({
            reason: "the project already has history; a full log can only be restored into an empty one",
          });
        for (const e of events) {
          insertStoredEvent(db, e);
          project(e);
        }
        check?.(tx);
      });
      notify(events);
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    integrityProblems: () =>
      db
        .prepare<{ quick_check: string }>("PRAGMA quick_check")
        .all()
        .map((r) => r.quick_check)
        .filter((r) => r !== "ok"),
    dataVersion: () => dataVersionStmt.get()?.data_version ?? 0,
    close() {
      listeners.clear();
      db.close();
    },
  };
}

function sqliteReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/not a database|file is encrypted/i.test(message)) return "not an SQLite database (or corrupt)";
  if (/malformed/i.test(message)) return "database disk image is malformed";
  return message;
}
