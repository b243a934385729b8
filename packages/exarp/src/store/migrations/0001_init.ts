// Migration 1: init. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- The event log is the source of truth; every other table is a projection rebuilt from it.
CREATE TABLE events (
  seq       INTEGER PRIMARY KEY,
  type      TEXT    NOT NULL,
  stream    TEXT    NOT NULL,
  time      INTEGER NOT NULL,
  actor     TEXT    NOT NULL,
  session   TEXT,
  origin    TEXT    NOT NULL,
  command   INTEGER NOT NULL,
  undoes    INTEGER,
  payload   TEXT    NOT NULL,
  prev_hash TEXT    NOT NULL,
  hash      TEXT    NOT NULL
) STRICT;
CREATE INDEX events_by_stream ON events (stream, seq);
CREATE INDEX events_by_command ON events (command);
CREATE INDEX events_by_undoes ON events (undoes) WHERE undoes IS NOT NULL;

CREATE TABLE tasks (
  id          TEXT    PRIMARY KEY,
  title       TEXT    NOT NULL,
  description TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  priority    TEXT    NOT NULL,
  tags        TEXT    NOT NULL,
  parent_id   TEXT,
  estimate    INTEGER,
  assignee    TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  version     INTEGER NOT NULL
) STRICT;
CREATE INDEX tasks_by_status ON tasks (status);
CREATE INDEX tasks_by_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE task_tags (
  tag     TEXT NOT NULL,
  task_id TEXT NOT NULL,
  PRIMARY KEY (tag, task_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX task_tags_by_task ON task_tags (task_id);

-- task_id depends on blocker_id. A blocker may be unknown (imported data); it then blocks.
CREATE TABLE dependencies (
  task_id    TEXT NOT NULL,
  blocker_id TEXT NOT NULL,
  PRIMARY KEY (task_id, blocker_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX dependencies_by_blocker ON dependencies (blocker_id, task_id);

CREATE TABLE comments (
  id         TEXT    PRIMARY KEY,
  task_id    TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  author     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  seq        INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_by_task ON comments (task_id, seq);
`;
