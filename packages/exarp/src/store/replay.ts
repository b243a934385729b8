import { eventFromRow } from "../event/envelope.ts";
import { eventPages } from "./pages.ts";
import { createProjector } from "./projection.ts";
import { createQueries } from "./queries/index.ts";
import { openStore } from "./sqlite.ts";
import { driverOf, type Store } from "./store.ts";

/** Projection tables and the order that makes their dumps comparable. */
const PROJECTIONS: Record<string, string> = {
  tasks: "id",
  task_tags: "tag, task_id",
  dependencies: "task_id, blocker_id",
  comments: "id",
  leases: "task_id",
  approvals: "id",
  tokens: "id",
  task_sources: "task_id",
};

export type ReplayCheck = { events: number; problems: string[] };

/**
 * The columns every backend's projection tables share, as SQLite's schema lists them (PostgreSQL
 * adds bookkeeping of its own, such as the tokens' insertion order, which replay need not rebuild).
 */
function sharedColumns(sqlite: Store, table: string): string {
  return driverOf(sqlite)
    .prepare<{ name: string }>("SELECT name FROM pragma_table_info(?) ORDER BY cid")
    .all(table)
    .map((c) => `"${c.name}"`)
    .join(", ");
}

const dump = (store: Store, table: string, columns: string, order: string) =>
  driverOf(store).prepare(`SELECT ${columns} FROM ${table} ORDER BY ${order}`).all();

/**
 * Rebuilds every projection from the event log into a fresh in-memory database and compares it
 * with the live tables row by row. An event that cannot be applied (a damaged payload, a missing
 * task) is named, and the comparison is skipped: its differences would only be that event's echo.
 */
export function verifyReplay(store: Store): ReplayCheck {
  const scratch = openStore(":memory:");
  try {
    const project = createProjector(driverOf(scratch), createQueries(driverOf(scratch)));
    let events = 0;
    driverOf(scratch).exec("BEGIN");
    for (const row of eventPages(store, 0)) {
      try {
        project(eventFromRow(row));
      } catch (error) {
        driverOf(scratch).exec("ROLLBACK");
        const reason = error instanceof Error ? error.message : String(error);
        return { events, problems: [`event #${row.seq} (${row.type}) cannot be replayed: ${reason}`] };
      }
      events++;
    }
    driverOf(scratch).exec("COMMIT");
    const problems: string[] = [];
    for (const [table, order] of Object.entries(PROJECTIONS)) {
      const columns = sharedColumns(scratch, table);
      const live = dump(store, table, columns, order);
      const rebuilt = dump(scratch, table, columns, order);
      const a = live.map((r) => JSON.stringify(r));
      const b = rebuilt.map((r) => JSON.stringify(r));
      if (a.length !== b.length) problems.push(`${table}: ${a.length} live rows, ${b.length} after replay`);
      const i = a.findIndex((row, k) => row !== b[k]);
      if (i >= 0)
        problems.push(`${table}: row ${i + 1} differs after replay: live ${a[i]} vs replayed ${b[i] ?? "none"}`);
    }
    return { events, problems };
  } finally {
    scratch.close();
  }
}

/** Dumps the projection tables (tests compare live and replayed state with it). */
export function dumpProjections(store: Store): Record<string, unknown[]> {
  const schema = openStore(":memory:");
  try {
    return Object.fromEntries(
      Object.entries(PROJECTIONS).map(([table, order]) => [
        table,
        dump(store, table, sharedColumns(schema, table), order),
      ]),
    );
  } finally {
    schema.close();
  }
}
