// Migration 2: ready. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- Materialised readiness: how many of a task's blockers are unfinished or unknown. The ready set is
-- then an index lookup (status = 'todo' AND open_blockers = 0) instead of a graph walk per call.
ALTER TABLE tasks ADD COLUMN open_blockers INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET open_blockers = (
  SELECT count(*) FROM dependencies d LEFT JOIN tasks b ON b.id = d.blocker_id
  WHERE d.task_id = tasks.id AND (b.id IS NULL OR b.status NOT IN ('done', 'cancelled'))
);
CREATE INDEX tasks_ready ON tasks (status, open_blockers);
`;
