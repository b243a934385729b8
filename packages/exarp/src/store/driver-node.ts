import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { OpenMode, SqlDriver, SqlStatement, SqlValue } from "./driver.ts";

const nodeRequire = createRequire(import.meta.url);

/**
 * The version of better-sqlite3 whose JavaScript the command line's bundle carries (defined by
 * scripts/build.mjs); not defined in the library or from source, which load the installed package.
 */
declare const EXARP_BUNDLED_BETTER_SQLITE3: string | undefined;

let driver: { Database: typeof BetterSqlite3; nativeBinding: string | undefined } | undefined;

/**
 * better-sqlite3, loaded on first use so that Bun never touches the native module. Its addon is
 * named where an install builds it: left to itself, better-sqlite3 looks for it with the `bindings`
 * package, which tries a dozen paths (about 4 ms). The command line's bundle carries the package's
 * JavaScript (compiled with the rest, from the code cache: loading its 14 files costs about 5 ms)
 * and uses it only beside the addon of that very version; otherwise the installed package is loaded.
 */
function betterSqlite3() {
  if (!driver) {
    const entry = nodeRequire.resolve("better-sqlite3");
    const root = join(dirname(entry), "..");
    const addon = join(root, "build", "Release", "better_sqlite3.node");
    const nativeBinding = existsSync(addon) ? addon : undefined;
    const bundled =
      typeof EXARP_BUNDLED_BETTER_SQLITE3 === "string" &&
      nativeBinding !== undefined &&
      (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown }).version ===
        EXARP_BUNDLED_BETTER_SQLITE3;
    const Database = (bundled ? require("better-sqlite3") : nodeRequire(entry)) as typeof BetterSqlite3;
    driver = { Database, nativeBinding };
  }
  return driver;
}

export function openNodeDriver(path: string, mode: OpenMode): SqlDriver {
  const { Database, nativeBinding } = betterSqlite3();
  const db = new Database(path, { fileMustExist: !mode.create && path !== ":memory:", nativeBinding });
  const cache = new Map<string, SqlStatement<never>>();
  return {
    name: "better-sqlite3",
    dialect: "sqlite",
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
