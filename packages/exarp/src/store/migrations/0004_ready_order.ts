// Migration 4: ready order. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- The ready set in work order straight from an index: priority, then how much unfinished work waits
-- on the task (materialised like open_blockers), then age, then id. No per-row subquery, no sort.
ALTER TABLE tasks ADD COLUMN open_dependents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN priority_rank INTEGER GENERATED ALWAYS AS (
  CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END
) VIRTUAL;
UPDATE tasks SET open_dependents = (
  SELECT count(*) FROM dependencies d JOIN tasks x ON x.id = d.task_id
  WHERE d.blocker_id = tasks.id AND x.status NOT IN ('done', 'cancelled')
);
DROP INDEX tasks_ready;
CREATE INDEX tasks_ready ON tasks (status, open_blockers, priority_rank, open_dependents DESC, created_at, id);
`;
