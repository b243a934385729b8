import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type { OpenMode, SqlDriver, SqlStatement, SqlValue } from "./driver.ts";

const require = createRequire(import.meta.url);

/** better-sqlite3, loaded on first use so that Bun never touches the native module. */
export function openNodeDriver(path: string, mode: OpenMode): SqlDriver {
  const Database = require("better-sqlite3") as typeof BetterSqlite3;
  const db = new Database(path, { fileMustExist: !mode.create && path !== ":memory:" });
  const cache = new Map<string, SqlStatement<never>>();
  return {
    name: "better-sqlite3",
    prepare<Row>(sql: string): SqlStatement<Row> {
      const hit = cache.get(sql);
      if (hit) return hit as SqlStatement<Row>;
      const stmt = db.prepare<SqlValue[], Row>(sql);
      const reader = stmt.reader;
      let raw: BetterSqlite3.Statement<SqlValue[], SqlValue[]> | undefined;
      const wrapped: SqlStatement<Row> = {
        run: (...params) => ({ changes: stmt.run(...params).changes }),
        get: (...params) => (reader ? stmt.get(...params) : undefined),
        all: (...params) => (reader ? stmt.all(...params) : []),
        iterate: (...params) => stmt.iterate(...params),
        values: (...params) => {
          raw ??= db.prepare<SqlValue[], SqlValue[]>(sql).raw(true);
          return raw.all(...params);
        },
      };
      cache.set(sql, wrapped as SqlStatement<never>);
      return wrapped;
    },
    exec: (sql) => {
      db.exec(sql);
    },
    inTransaction: () => db.inTransaction,
    close: () => {
      cache.clear();
      db.close();
    },
  };
}
