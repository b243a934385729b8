// Migration 3: coordination. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- Live leases (one per task). A row ends with lease.released or lease.expired; whether it is still
-- live is decided at read time (expires_at > now), so the projection never depends on the clock.
CREATE TABLE leases (
  task_id     TEXT    PRIMARY KEY,
  agent       TEXT    NOT NULL,
  session     TEXT,
  token       INTEGER NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX leases_by_expiry ON leases (expires_at);

-- Approval requests: opened when a task moves to review, closed by a decision, a timeout or a withdrawal.
CREATE TABLE approvals (
  id                INTEGER PRIMARY KEY,
  task_id           TEXT    NOT NULL,
  requested_by      TEXT    NOT NULL,
  requested_session TEXT,
  requested_at      INTEGER NOT NULL,
  state             TEXT    NOT NULL,
  decided_by        TEXT,
  decided_session   TEXT,
  decided_at        INTEGER,
  reason            TEXT
) STRICT;
CREATE INDEX approvals_by_task ON approvals (task_id, id);
CREATE INDEX approvals_pending ON approvals (state) WHERE state = 'pending';
`;
