import type { SqlDriver, SqlRow, SqlStatement, SqlValue } from "../driver.ts";
import type { Bridge } from "./bridge.ts";

/** `?` placeholders as PostgreSQL's `$1, $2…`, leaving quoted text alone. */
export const numberPlaceholders = (sql: string): string => replacePlaceholders(sql, (n) => `$${n}`);

/** Each `?` placeholder outside quoted text replaced by `by(n)` (n from 1), everything else left as it was. */
export function replacePlaceholders(sql: string, by: (n: number) => string): string {
  let n = 0;
  let out = "";
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === "?" ? by(++n) : ch;
  }
  return out;
}

/** node-postgres binds bytes as Buffers and big integers as text. */
const bind = (params: SqlValue[]) =>
  params.map((p) =>
    p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : typeof p === "bigint" ? String(p) : p,
  );

/** The store's SQL surface over the bridge; statements are prepared once per connection by name. */
export type PgDriver = SqlDriver & {
  /** Marks the transaction the store opened or ended: writes inside one are sent without waiting. */
  setTransaction(open: boolean): void;
  /** True when a statement run in the current transaction may have changed something. */
  wroteInTransaction(): boolean;
};

/**
 * `translate` turns a failure of the server (or of the way to it) into the error a caller can act on
 * (Unavailable, Busy…), for reads outside a transaction as for writes.
 */
export function createPgDriver(bridge: Bridge, translate: (error: unknown) => unknown = (e) => e): PgDriver {
  const asked = <T>(request: () => T): T => {
    try {
      return request();
    } catch (error) {
      throw translate(error);
    }
  };
  const statements = new Map<string, SqlStatement<SqlRow>>();
  let inTransaction = false;
  let wrote = false;
  const prepare = <Row = SqlRow>(sql: string): SqlStatement<Row> => {
    const known = statements.get(sql);
    if (known) return known as unknown as SqlStatement<Row>;
    const text = numberPlaceholders(sql);
    const name = `exarp_${statements.size + 1}`;
    const rows = (params: SqlValue[], rowMode?: "array") =>
      asked(() => bridge.query({ text, name, params: bind(params), rowMode, tx: inTransaction }).rows);
    const statement: SqlStatement<Row> = {
      run: (...params) => {
        if (!inTransaction)
          return { changes: asked(() => bridge.query({ text, name, params: bind(params) }).rowCount) };
        wrote = true;
        return bridge.defer({ text, name, params: bind(params), tx: true });
      },
      get: (...params) => rows(params)[0] as Row | undefined,
      all: (...params) => rows(params) as Row[],
      iterate: (...params) => (rows(params) as Row[])[Symbol.iterator](),
      values: (...params) => rows(params, "array") as SqlValue[][],
    };
    statements.set(sql, statement as unknown as SqlStatement<SqlRow>);
    return statement;
  };
  return {
    name: "node-postgres",
    dialect: "postgres",
    prepare,
    exec: (sql) => {
      if (inTransaction) wrote = true;
      asked(() => bridge.simple(sql, { tx: inTransaction }));
    },
    inTransaction: () => inTransaction,
    setTransaction: (open) => {
      inTransaction = open;
      wrote = false;
    },
    wroteInTransaction: () => wrote,
    close: () => bridge.close(),
  };
}
