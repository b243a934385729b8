import { openBunDriver } from "./driver-bun.ts";
import { openNodeDriver } from "./driver-node.ts";

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

/** A prepared statement; positional `?` parameters only, so both drivers bind the same way. */
export interface SqlStatement<Row = SqlRow> {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
  iterate(...params: SqlValue[]): IterableIterator<Row>;
  /** Rows as arrays of column values: much cheaper than objects for large results. */
  values(...params: SqlValue[]): SqlValue[][];
}

/** Which SQL the driver speaks: the few statements that differ are chosen by it (see dialect.ts). */
export type Dialect = "sqlite" | "postgres";

/**
 * The small surface the store needs from a database: better-sqlite3 under Node and bun:sqlite under
 * Bun for SQLite, node-postgres through a synchronous bridge for PostgreSQL (postgres/bridge.ts).
 */
export interface SqlDriver {
  readonly name: "better-sqlite3" | "bun:sqlite" | "node-postgres";
  readonly dialect: Dialect;
  /** Prepared once per SQL text and cached. */
  prepare<Row = SqlRow>(sql: string): SqlStatement<Row>;
  exec(sql: string): void;
  /** True while a transaction is open (SQLite may end one by itself after a disk-full or I/O error). */
  inTransaction(): boolean;
  close(): void;
}

/** How to open the file: `create` makes a missing database; otherwise a missing file is an error. */
export type OpenMode = { create: boolean };

/** True when running under Bun (inside OpenCode, or `bun test`). */
export const isBun = typeof process !== "undefined" && typeof process.versions.bun === "string";

/** Opens a SQLite database with the driver native to the current runtime. */
export function openDriver(path: string, mode: OpenMode): SqlDriver {
  return isBun ? openBunDriver(path, mode) : openNodeDriver(path, mode);
}

/** The SQLite result code of an error (`SQLITE_BUSY`, `SQLITE_FULL`…), from either driver. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** True for errors raised by SQLite itself (either driver). */
export function isSqliteError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && code.startsWith("SQLITE_")) || /sqlite/i.test(error.name);
}
