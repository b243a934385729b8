// Migration 5: audit mirror. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- How far the audit mirror (.exarp/audit*.jsonl) has written, recorded in the same transaction as
-- the lines it wrote: a file that ends before this point was truncated or deleted, not just behind,
-- and a current file whose size is not bytes was written to by someone else.
CREATE TABLE audit_mirror (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   INTEGER NOT NULL,
  bytes INTEGER
) STRICT;
`;
