import { StorageError } from "../errors-catalog.ts";
import type { SqlDriver } from "./driver.ts";
import { MIGRATIONS } from "./migrations/index.ts";

/** Brings the schema up to date inside one immediate transaction; refuses a database from a newer exarp. */
export function migrate(db: SqlDriver, path: string): void {
  const migrations = MIGRATIONS;
  const latest = migrations.at(-1)?.version ?? 0;
  const current = userVersion(db);
  if (current > latest) {
    throw new StorageError({
      path,
      reason: `schema version ${current} is newer than this exarp (${latest}); upgrade exarp`,
    });
  }
  if (current === latest) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    const now = userVersion(db);
    for (const m of migrations.filter((m) => m.version > now)) {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** The schema version of an SQLite database (PRAGMA user_version). */
export function userVersion(db: SqlDriver): number {
  return Number(db.prepare<{ user_version: number }>("PRAGMA user_version").get()?.user_version ?? 0);
}
