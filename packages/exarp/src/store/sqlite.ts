import { systemClock } from "../clock.ts";
import { Busy, DiskFull, StorageError } from "../errors-catalog.ts";
import { openDriver, type SqlDriver, sqliteCode } from "./driver.ts";
import { migrate, userVersion } from "./migrate.ts";
import type { LeaseRow } from "./rows.ts";
import { type Backend, createStore, type Store, type StoreOptions } from "./store.ts";

// The embedded default: a project in one SQLite file, opened by better-sqlite3 (or bun:sqlite).

/** Opens an exarp database: WAL, busy timeout, foreign keys, migrated schema. */
export function openStore(path: string, options: StoreOptions = {}): Store {
  let db: SqlDriver;
  try {
    db = openDriver(path, { create: options.create ?? true });
  } catch (error) {
    throw new StorageError({ path, reason: sqliteReason(error) });
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, path);
  } catch (error) {
    db.close();
    if (StorageError.is(error)) throw error;
    throw storageFailure(error, path, busyTimeoutMs);
  }
  return createStore(db, sqliteBackend(db, path, busyTimeoutMs));
}

function sqliteBackend(db: SqlDriver, path: string, busyTimeoutMs: number): Backend {
  const dataVersionStmt = db.prepare<{ data_version: number }>("PRAGMA data_version");
  const heldByOther = db.prepare<LeaseRow>(
    "SELECT * FROM leases WHERE task_id = ? AND expires_at > ? AND NOT (agent = ? AND session IS ?)",
  );
  return {
    name: "sqlite",
    path,
    clock: systemClock,
    begin(claims) {
      if (claims && "claim" in claims) {
        const { taskId, now, agent, session } = claims.claim;
        const holder = heldByOther.get(taskId, now, agent, session);
        if (holder) return { held: { holder } };
      }
      const started = Date.now();
      try {
        db.exec("BEGIN IMMEDIATE");
        return { picked: claims && "firstFree" in claims ? claims.firstFree[0] : undefined };
      } catch (error) {
        throw storageFailure(error, path, Math.max(busyTimeoutMs, Date.now() - started));
      }
    },
    commit: () => db.exec("COMMIT"),
    rollback() {
      // SQLite may already have rolled back by itself (disk full, I/O error): never mask the real error.
      if (db.inTransaction()) db.exec("ROLLBACK");
    },
    failure: (error) => storageFailure(error, path, busyTimeoutMs),
    dataVersion: () => dataVersionStmt.get()?.data_version ?? 0,
    integrityProblems: () =>
      db
        .prepare<{ quick_check: string }>("PRAGMA quick_check")
        .all()
        .map((r) => r.quick_check)
        .filter((r) => r !== "ok"),
    onExternalChange: () => () => undefined,
    schemaVersion() {
      const version = userVersion(db);
      return { version, compatibleFrom: version };
    },
  };
}

/** Translates a failure of SQLite (or of a file written in a transaction) into the error a caller can act on. */
export function storageFailure(error: unknown, path: string, waitedMs: number): unknown {
  const code = sqliteCode(error);
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (code?.startsWith("SQLITE_BUSY") || code?.startsWith("SQLITE_LOCKED")) return new Busy({ waitedMs });
  if (code?.startsWith("SQLITE_FULL") || errno === "ENOSPC" || errno === "EDQUOT") return new DiskFull({ path });
  if (code?.startsWith("SQLITE_CORRUPT") || code?.startsWith("SQLITE_NOTADB"))
    return new StorageError({ path, reason: sqliteReason(error) });
  return error;
}

function sqliteReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/not a database|file is encrypted/i.test(message)) return "not an SQLite database (or corrupt)";
  if (/malformed/i.test(message)) return "database disk image is malformed";
  if (/unable to open database file/i.test(message)) return "the database file is missing or cannot be opened";
  return message;
}
