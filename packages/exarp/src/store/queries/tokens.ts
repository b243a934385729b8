import type { Scope, TokenView } from "../../token/token.ts";
import { insertionOrder } from "../dialect.ts";
import type { SqlDriver } from "../driver.ts";

/** A `tokens` row as SQLite returns it. */
export type TokenRow = {
  id: string;
  name: string;
  scope: string;
  identity: string;
  secret_hash: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
};

/** A token as exarp shows it: every column but the secret's hash. */
export function tokenFromRow(r: TokenRow): TokenView {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as Scope,
    identity: r.identity,
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}

/** Read-only queries over the tokens projection. */
export function createTokenQueries(db: SqlDriver) {
  return {
    token(id: string): TokenView | undefined {
      const row = db.prepare<TokenRow>("SELECT * FROM tokens WHERE id = ?").get(id);
      return row && tokenFromRow(row);
    },

    /** Every token, revoked ones included, in the order they were created (insertion order follows the log, live and replayed). */
    tokens(): TokenView[] {
      return db
        .prepare<TokenRow>(`SELECT * FROM tokens ORDER BY ${insertionOrder(db.dialect)}`)
        .all()
        .map(tokenFromRow);
    },

    /** The token whose secret hashes to `hash` (one lookup in the unique index), revoked or not. */
    tokenBySecretHash(hash: string): TokenView | undefined {
      const row = db.prepare<TokenRow>("SELECT * FROM tokens WHERE secret_hash = ?").get(hash);
      return row && tokenFromRow(row);
    },

    /** True when some owner token is not revoked. */
    hasLiveOwnerToken(): boolean {
      return (
        db.prepare("SELECT 1 AS x FROM tokens WHERE scope = 'owner' AND revoked_at IS NULL LIMIT 1").get() !== undefined
      );
    },
  };
}
