// Migration 7: task sources. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- Where an imported task came from (exarp import --from), projected from its task.created event:
-- the tool, the task's id there (looked up when a command names it) and the record, verbatim.
CREATE TABLE task_sources (
  task_id    TEXT PRIMARY KEY,
  system     TEXT NOT NULL,
  foreign_id TEXT NOT NULL,
  record     TEXT NOT NULL
) STRICT;
CREATE INDEX task_sources_by_foreign_id ON task_sources (foreign_id, system);
`;
