import type { ForeignSystem, TaskSource } from "../../task/task.ts";
import type { SqlDriver } from "../driver.ts";

type SourceRow = { task_id: string; system: string; foreign_id: string; record: string };

/** A task that was imported, by the id it had in its tool. */
export type ForeignMatch = { taskId: string; system: ForeignSystem; foreignId: string };

/** Reads of the task_sources projection: where imported tasks came from. */
export function createSourceQueries(db: SqlDriver) {
  return {
    /** The source of an imported task; undefined for a task made here. */
    taskSource(taskId: string): TaskSource | undefined {
      const row = db
        .prepare<SourceRow>("SELECT task_id, system, foreign_id, record FROM task_sources WHERE task_id = ?")
        .get(taskId);
      return row && { system: row.system as ForeignSystem, id: row.foreign_id, record: row.record };
    },

    /** Every task imported from `system`, by its id there (a repeat import is found in one read). */
    sourcesOf(system: ForeignSystem): Map<string, string> {
      const rows = db.prepare<SourceRow>("SELECT task_id, foreign_id FROM task_sources WHERE system = ?").all(system);
      return new Map(rows.map((r) => [r.foreign_id, r.task_id]));
    },

    /** Imported tasks whose id in their tool is `foreignId` (of `system` only, when given). */
    tasksByForeignId(foreignId: string, system?: ForeignSystem): ForeignMatch[] {
      const rows =
        system === undefined
          ? db
              .prepare<SourceRow>(
                "SELECT task_id, system, foreign_id FROM task_sources WHERE foreign_id = ? ORDER BY system, task_id",
              )
              .all(foreignId)
          : db
              .prepare<SourceRow>(
                "SELECT task_id, system, foreign_id FROM task_sources WHERE foreign_id = ? AND system = ? ORDER BY task_id",
              )
              .all(foreignId, system);
      return rows.map((r) => ({ taskId: r.task_id, system: r.system as ForeignSystem, foreignId: r.foreign_id }));
    },
  };
}

export type SourceQueries = ReturnType<typeof createSourceQueries>;
