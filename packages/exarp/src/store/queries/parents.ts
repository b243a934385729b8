import type { SqlDriver } from "../driver.ts";

/** Reads of the parent hierarchy of tasks, including the damage imported data may bring. */
export function createParentQueries(db: SqlDriver) {
  return {
    /** The chain of parents above a task, nearest first, stopping at a repeat (a cycle) or a missing task. */
    ancestors(id: string): string[] {
      const sql = `WITH RECURSIVE up(id, n) AS (SELECT parent_id, 1 FROM tasks WHERE id = ?
          UNION SELECT t.parent_id, up.n + 1 FROM tasks t JOIN up ON t.id = up.id WHERE up.n < 10000)
        SELECT id FROM up WHERE id IS NOT NULL ORDER BY n`;
      const out: string[] = [];
      for (const r of db.prepare<{ id: string }>(sql).all(id)) {
        if (out.includes(r.id)) break;
        out.push(r.id);
      }
      return out;
    },

    /** Tasks that are their own ancestor (imported data): doctor names each cycle once. */
    parentCycles(): string[][] {
      const rows = db
        .prepare<{ id: string; parent_id: string }>(
          "SELECT id, parent_id FROM tasks WHERE parent_id IS NOT NULL ORDER BY id",
        )
        .all();
      const parent = new Map(rows.map((r) => [r.id, r.parent_id]));
      const seen = new Set<string>();
      const cycles: string[][] = [];
      for (const start of parent.keys()) {
        const path: string[] = [];
        let at: string | undefined = start;
        while (at !== undefined && !seen.has(at) && !path.includes(at)) {
          path.push(at);
          at = parent.get(at);
        }
        if (at !== undefined && path.includes(at)) cycles.push([...path.slice(path.indexOf(at)), at]);
        for (const p of path) seen.add(p);
      }
      return cycles;
    },

    /** Tasks whose parent does not exist (imported data): doctor names them. */
    unknownParents(): { id: string; parentId: string }[] {
      return db
        .prepare<{ id: string; parent_id: string }>(
          "SELECT id, parent_id FROM tasks t WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.id = t.parent_id) ORDER BY id",
        )
        .all()
        .map((r) => ({ id: r.id, parentId: r.parent_id }));
    },
  };
}
