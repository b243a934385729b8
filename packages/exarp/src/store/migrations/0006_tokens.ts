// Migration 6: tokens. The SQL is kept in a module so every build (library, bundles) carries it.
export const sql = `
-- Scoped tokens of exarp serve, projected from token.created / token.revoked. Only the sha256 of a
-- secret is kept (unique: a secret is looked up by it); a revoked token stays, with who revoked it.
CREATE TABLE tokens (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL,
  scope       TEXT    NOT NULL CHECK (scope IN ('viewer', 'collaborator', 'owner')),
  identity    TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  created_by  TEXT    NOT NULL,
  revoked_at  INTEGER,
  revoked_by  TEXT
) STRICT;
`;
