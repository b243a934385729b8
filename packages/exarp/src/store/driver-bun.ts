import { createRequire } from "node:module";
import type { OpenMode, SqlDriver, SqlRow, SqlStatement, SqlValue } from "./driver.ts";

/** The part of bun:sqlite's API exarp uses, declared here so Node type-checks without bun-types. */
type BunStatement = {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  iterate(...params: SqlValue[]): IterableIterator<unknown>;
  values(...params: SqlValue[]): SqlValue[][];
};
type BunDatabase = {
  query(sql: string): BunStatement;
  run(sql: string): void;
  close(): void;
  readonly inTransaction: boolean;
};
type BunSqlite = {
  Database: new (path: string, options: { create?: boolean; readwrite?: boolean; strict?: boolean }) => BunDatabase;
};

const require = createRequire(import.meta.url);

/** bun:sqlite (inside OpenCode and `bun test`); `query` caches statements itself. */
export function openBunDriver(path: string, mode: OpenMode): SqlDriver {
  const { Database } = require("bun:sqlite") as BunSqlite;
  const db = new Database(path, { create: mode.create, readwrite: true, strict: true });
  return {
    name: "bun:sqlite",
    dialect: "sqlite",
    prepare<Row = SqlRow>(sql: string): SqlStatement<Row> {
      const stmt = db.query(sql);
      return {
        run: (...params) => ({ changes: stmt.run(...params).changes }),
        get: (...params) => (stmt.get(...params) ?? undefined) as Row | undefined,
        all: (...params) => stmt.all(...params) as Row[],
        iterate: (...params) => stmt.iterate(...params) as IterableIterator<Row>,
        values: (...params) => stmt.values(...params),
      };
    },
    exec: (sql) => {
      db.run(sql);
    },
    inTransaction: () => db.inTransaction,
    close: () => {
      db.close();
    },
  };
}
