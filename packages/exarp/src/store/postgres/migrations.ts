// The PostgreSQL schema, step for step the SQLite one (store/migrations/): version N is the same
// tables on both backends, so a log moves between them unchanged. Never edit a released step; add one.
// Text is COLLATE "C" (byte order, as SQLite sorts); times, seqs and counts are BIGINT.

/** One schema step; `compatibleFrom` is the oldest schema a binary may know and still use this one. */
export type PgMigration = { version: number; name: string; compatibleFrom: number; sql: string };

const T = 'TEXT COLLATE "C"';

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "0001_init",
    compatibleFrom: 1,
    sql: `
-- The schema's own record, one row; writers lock it (FOR UPDATE) so appends to the log are serial.
CREATE TABLE exarp_meta (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version   INTEGER NOT NULL,
  compatible_from  INTEGER NOT NULL
);
INSERT INTO exarp_meta (id, schema_version, compatible_from) VALUES (1, 0, 0);
CREATE TABLE events (
  seq       BIGINT  PRIMARY KEY,
  type      ${T}    NOT NULL,
  stream    ${T}    NOT NULL,
  time      BIGINT  NOT NULL,
  actor     ${T}    NOT NULL,
  session   ${T},
  origin    ${T}    NOT NULL,
  command   BIGINT  NOT NULL,
  undoes    BIGINT,
  payload   ${T}    NOT NULL,
  prev_hash ${T}    NOT NULL,
  hash      ${T}    NOT NULL
);
CREATE INDEX events_by_stream ON events (stream, seq);
CREATE INDEX events_by_command ON events (command);
CREATE INDEX events_by_undoes ON events (undoes) WHERE undoes IS NOT NULL;
CREATE TABLE tasks (
  id          ${T}   PRIMARY KEY,
  title       ${T}   NOT NULL,
  description ${T}   NOT NULL,
  status      ${T}   NOT NULL,
  priority    ${T}   NOT NULL,
  tags        ${T}   NOT NULL,
  parent_id   ${T},
  estimate    BIGINT,
  assignee    ${T},
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  version     BIGINT NOT NULL
);
CREATE INDEX tasks_by_status ON tasks (status);
CREATE INDEX tasks_by_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE task_tags (
  tag     ${T} NOT NULL,
  task_id ${T} NOT NULL,
  PRIMARY KEY (tag, task_id)
);
CREATE INDEX task_tags_by_task ON task_tags (task_id);
CREATE TABLE dependencies (
  task_id    ${T} NOT NULL,
  blocker_id ${T} NOT NULL,
  PRIMARY KEY (task_id, blocker_id)
);
CREATE INDEX dependencies_by_blocker ON dependencies (blocker_id, task_id);
CREATE TABLE comments (
  id         ${T}   PRIMARY KEY,
  task_id    ${T}   NOT NULL,
  body       ${T}   NOT NULL,
  author     ${T}   NOT NULL,
  created_at BIGINT NOT NULL,
  seq        BIGINT NOT NULL
);
CREATE INDEX comments_by_task ON comments (task_id, seq);
`,
  },
  {
    version: 2,
    name: "0002_ready",
    compatibleFrom: 2,
    sql: `
ALTER TABLE tasks ADD COLUMN open_blockers BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tasks_ready ON tasks (status, open_blockers);
`,
  },
  {
    version: 3,
    name: "0003_coordination",
    compatibleFrom: 3,
    sql: `
CREATE TABLE leases (
  task_id     ${T}   PRIMARY KEY,
  agent       ${T}   NOT NULL,
  session     ${T},
  token       BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX leases_by_expiry ON leases (expires_at);
CREATE TABLE approvals (
  id                BIGINT PRIMARY KEY,
  task_id           ${T}   NOT NULL,
  requested_by      ${T}   NOT NULL,
  requested_session ${T},
  requested_at      BIGINT NOT NULL,
  state             ${T}   NOT NULL,
  decided_by        ${T},
  decided_session   ${T},
  decided_at        BIGINT,
  reason            ${T}
);
CREATE INDEX approvals_by_task ON approvals (task_id, id);
CREATE INDEX approvals_pending ON approvals (state) WHERE state = 'pending';
`,
  },
  {
    version: 4,
    name: "0004_ready_order",
    compatibleFrom: 4,
    sql: `
ALTER TABLE tasks ADD COLUMN open_dependents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN priority_rank INTEGER GENERATED ALWAYS AS (
  CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END
) STORED;
DROP INDEX tasks_ready;
CREATE INDEX tasks_ready ON tasks (status, open_blockers, priority_rank, open_dependents DESC, created_at, id);
`,
  },
  {
    version: 5,
    name: "0005_audit_mirror",
    compatibleFrom: 5,
    sql: `
CREATE TABLE audit_mirror (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   BIGINT  NOT NULL,
  bytes BIGINT
);
`,
  },
  {
    version: 6,
    name: "0006_tokens",
    compatibleFrom: 6,
    sql: `
CREATE TABLE tokens (
  id          ${T}   PRIMARY KEY,
  name        ${T}   NOT NULL,
  scope       ${T}   NOT NULL CHECK (scope IN ('viewer', 'collaborator', 'owner')),
  identity    ${T}   NOT NULL,
  secret_hash ${T}   NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  created_by  ${T}   NOT NULL,
  revoked_at  BIGINT,
  revoked_by  ${T},
  position    BIGSERIAL
);
`,
  },
  {
    version: 7,
    name: "0007_task_sources",
    // An older exarp would leave a deleted task's source behind: it may not write to this schema.
    compatibleFrom: 7,
    sql: `
CREATE TABLE task_sources (
  task_id    ${T} PRIMARY KEY,
  system     ${T} NOT NULL,
  foreign_id ${T} NOT NULL,
  record     ${T} NOT NULL
);
CREATE INDEX task_sources_by_foreign_id ON task_sources (foreign_id, system);
`,
  },
];
