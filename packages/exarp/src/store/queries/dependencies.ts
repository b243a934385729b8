import { textParam } from "../dialect.ts";
import type { SqlDriver } from "../driver.ts";

/** Reads of the dependency edges between tasks. */
export function createDependencyQueries(db: SqlDriver) {
  const dependencies = {
    dependsOn(id: string): string[] {
      return db
        .prepare<{ blocker_id: string }>("SELECT blocker_id FROM dependencies WHERE task_id = ? ORDER BY blocker_id")
        .all(id)
        .map((r) => r.blocker_id);
    },

    dependents(id: string): string[] {
      return db
        .prepare<{ task_id: string }>("SELECT task_id FROM dependencies WHERE blocker_id = ? ORDER BY task_id")
        .all(id)
        .map((r) => r.task_id);
    },

    hasDependency(taskId: string, blockerId: string): boolean {
      return (
        db.prepare("SELECT 1 AS x FROM dependencies WHERE task_id = ? AND blocker_id = ?").get(taskId, blockerId) !==
        undefined
      );
    },

    /** True when `from` reaches `to` by following dependencies (from depends, transitively, on to). */
    reaches(from: string, to: string): boolean {
      const sql = `WITH RECURSIVE reach(id) AS (SELECT ${textParam(db.dialect)} UNION SELECT d.blocker_id FROM dependencies d JOIN reach r ON d.task_id = r.id)
        SELECT 1 AS x FROM reach WHERE id = ? LIMIT 1`;
      return db.prepare(sql).get(from, to) !== undefined;
    },

    /** A shortest dependency path from `from` to `to` (both included), or undefined. */
    dependencyPath(from: string, to: string): string[] | undefined {
      const parent = new Map<string, string>([[from, from]]);
      let frontier = [from];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const id of frontier) {
          for (const blocker of dependencies.dependsOn(id)) {
            if (parent.has(blocker)) continue;
            parent.set(blocker, id);
            if (blocker === to) return unwind(parent, from, to);
            next.push(blocker);
          }
        }
        frontier = next;
      }
      return undefined;
    },
  };
  return dependencies;
}

export type DependencyQueries = ReturnType<typeof createDependencyQueries>;

function unwind(parent: Map<string, string>, from: string, to: string): string[] {
  const path = [to];
  let at = to;
  while (at !== from) {
    at = parent.get(at) as string;
    path.push(at);
  }
  return path.reverse();
}
