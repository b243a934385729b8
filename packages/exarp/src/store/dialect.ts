import type { Dialect, SqlDriver, SqlValue } from "./driver.ts";

// The few places where SQLite's and PostgreSQL's SQL differ, chosen by the driver's dialect. All
// other SQL in the store is written once and runs on both.

/** True when `column` (lowercased) contains the bound, already lowercased, text. */
export const containsLowered = (dialect: Dialect, column: string) =>
  dialect === "postgres" ? `strpos(lower(${column}), ?) > 0` : `instr(lower(${column}), ?) > 0`;

/** The text at `path` inside a JSON text column (null when absent). */
export const jsonText = (dialect: Dialect, column: string, path: string[]) =>
  dialect === "postgres"
    ? `(${column}::jsonb #>> '{${path.join(",")}}')`
    : `json_extract(${column}, '$.${path.join(".")}')`;

/** A bound text value that mixes with text columns (PostgreSQL's columns sort bytewise, COLLATE "C"). */
export const textParam = (dialect: Dialect) => (dialect === "postgres" ? `(?::text COLLATE "C")` : "?");

/** Rows of a table in the order they were inserted. */
export const insertionOrder = (dialect: Dialect) => (dialect === "postgres" ? "position" : "rowid");

/**
 * Every task as one row of concatenated columns, and every edge as `blocker task task…` lines (see
 * graphData). PostgreSQL orders each aggregate by id so the columns line up; SQLite's one scan does.
 */
export const graphDataSql = (dialect: Dialect) =>
  dialect === "postgres"
    ? `SELECT string_agg(id, ' ' ORDER BY id) AS ids, string_agg(status, ' ' ORDER BY id) AS statuses,
         string_agg(priority, ' ' ORDER BY id) AS priorities,
         string_agg(coalesce(estimate::text, ''), ' ' ORDER BY id) AS estimates,
         string_agg(created_at::text, ' ' ORDER BY id) AS "createdAt", string_agg(tags, chr(30) ORDER BY id) AS tags,
         (SELECT string_agg(blocker_id || ' ' || waiting, chr(10))
            FROM (SELECT blocker_id, string_agg(task_id, ' ') AS waiting FROM dependencies GROUP BY blocker_id) w
         ) AS edges
       FROM tasks`
    : `SELECT group_concat(id, ' ') AS ids, group_concat(status, ' ') AS statuses,
         group_concat(priority, ' ') AS priorities, group_concat(ifnull(estimate, ''), ' ') AS estimates,
         group_concat(created_at, ' ') AS createdAt, group_concat(tags, char(30)) AS tags,
         (SELECT group_concat(blocker_id || ' ' || waiting, char(10))
            FROM (SELECT blocker_id, group_concat(task_id, ' ') AS waiting FROM dependencies GROUP BY blocker_id)
         ) AS edges
       FROM tasks`;

/**
 * The rows of `SELECT columns rest ORDER BY order limit` as arrays of values. PostgreSQL builds
 * them into one JSON text on the server, in the same order: one value to move from the server and
 * across the bridge's thread, and one native parse, instead of an object per row at each step.
 */
export function selectValues(
  db: SqlDriver,
  columns: readonly string[],
  rest: string,
  order: readonly string[],
  limit: string,
  params: SqlValue[],
): SqlValue[][] {
  if (db.dialect !== "postgres")
    return db.prepare(`SELECT ${columns.join(", ")} ${rest} ORDER BY ${order.join(", ")} ${limit}`).values(...params);
  const keys = order.map((o) => o.replace(/ DESC$/, ""));
  const inner = `SELECT ${columns.map((c, i) => `${c} AS c${i}`).join(", ")}, ${keys.map((k, i) => `${k} AS k${i}`).join(", ")}
    ${rest} ORDER BY ${order.join(", ")} ${limit}`;
  const outer = `SELECT coalesce(json_agg(json_build_array(${columns.map((_, i) => `q.c${i}`).join(", ")})
    ORDER BY ${order.map((o, i) => `q.k${i}${o.endsWith(" DESC") ? " DESC" : ""}`).join(", ")}), '[]')::text AS rows
    FROM (${inner}) q`;
  const row = db.prepare<{ rows: string }>(outer).get(...params);
  return JSON.parse(row?.rows ?? "[]") as SqlValue[][];
}
