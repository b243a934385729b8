import type { Dialect } from "./driver.ts";

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

/** The texts of a bound JSON array of texts, as a one-column subquery (`value`) that mixes with text columns. */
export const textsOfJson = (dialect: Dialect) =>
  dialect === "postgres"
    ? `SELECT value COLLATE "C" AS value FROM json_array_elements_text(?::json) AS j(value)`
    : "SELECT value FROM json_each(?)";

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
