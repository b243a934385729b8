import { readdirSync, readFileSync } from "node:fs";
import { StorageError } from "../errors-catalog.ts";
import type { SqlDriver } from "./driver.ts";

const dir = new URL("./migrations/", import.meta.url);

/** Numbered migrations (`0001_init.sql` …), in order. */
export function listMigrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((name) => /^\d{4}_.+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 4)), name, sql: readFileSync(new URL(name, dir), "utf8") }));
}

/** Brings the schema up to date inside one immediate transaction; refuses a database from a newer exarp. */
export function migrate(db: SqlDriver, path: string): void {
  const migrations = listMigrations();
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

function userVersion(db: SqlDriver): number {
  return Number(db.prepare<{ user_version: number }>("PRAGMA user_version").get()?.user_version ?? 0);
}
