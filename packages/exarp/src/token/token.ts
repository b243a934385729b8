import { ActorName } from "../identity/identity.ts";
import { line } from "../kernel/query.ts";
import { lazy, z } from "../kernel/zod.ts";

/** What a token lets its holder do; each scope includes the ones before it. */
export const SCOPES = ["viewer", "collaborator", "owner"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * viewer: reads and the event stream. collaborator (agents): task writes, claims, moving to review.
 * owner (people): approve and deny, tokens, undoing others' changes.
 */
export function scopeAllows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

/** A token as exarp shows it: never its secret, which exists only in the creator's terminal. */
export type TokenView = {
  /** Public id, `tok_…`: named by `exarp token revoke` and in the audit trail. */
  id: string;
  /** A label for people (`--name`). */
  name: string;
  scope: Scope;
  /** Who acts when the token is used: a person (`user:…`) for owner tokens, an agent otherwise. */
  identity: string;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  revokedBy: string | null;
};

/** A token id: `tok_` and lower-case letters and digits (base32). */
export const TokenId = lazy(() =>
  z.string().regex(/^tok_[0-9a-z]{1,60}$/, "a token id is tok_ followed by lower-case letters and digits"),
);

/** A token's label: one line of 1–60 characters, no control or bidi characters. */
export const tokenName = line("name", 60);

/**
 * A new token. `as`: who acts with it (owner: a person, default the creator; collaborator: an
 * agent, default `agent:<name>`; viewer: anyone, default `agent:<name>`); `name` defaults to the scope.
 */
export const TokenCreate = lazy(() =>
  z.strictObject({
    scope: z.enum(SCOPES),
    name: tokenName.zod().optional(),
    as: ActorName.optional(),
  }),
);
export type TokenCreate = z.input<typeof TokenCreate>;

export const TokenRevoke = lazy(() => z.strictObject({ id: TokenId }));
export type TokenRevoke = z.input<typeof TokenRevoke>;
