import { InvalidInput, NotFound, Refused, Unauthorized } from "../errors-catalog.ts";
import { actorKind, isPerson } from "../identity/identity.ts";
import { runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import { isSecretForm, newSecret, secretHash } from "./secret.ts";
import { type Scope, TokenCreate, TokenRevoke, type TokenView } from "./token.ts";

/** A new token and its secret: the only time the secret exists outside its holder's hands. */
export type CreatedToken = { token: TokenView; secret: string };

/** Who may act with a token of each scope: owner tokens act for people, collaborator tokens for agents. */
function checkIdentity(scope: Scope, identity: string): void {
  const kind = actorKind(identity);
  const problem =
    scope === "owner" && kind !== "person"
      ? "an owner token acts as a person (user:NAME)"
      : scope === "collaborator" && kind !== "agent"
        ? "a collaborator token acts as an agent (agent:NAME), not a person or a sub-agent"
        : undefined;
  if (problem) throw new InvalidInput({ issues: [`as: ${problem}`], fields: [{ path: "as", message: problem }] });
}

/** Scoped tokens for `exarp serve`: created and revoked by people, stored as hashes, verified by secret. */
export function createTokenService(ctx: ServiceContext) {
  const requirePerson = (verb: string) => {
    if (!isPerson(ctx.actor))
      throw new Unauthorized({ reason: `${ctx.actor.name} is not a person: only a person ${verb} tokens` });
  };

  return {
    /**
     * Creates a token (a person only). `as` defaults to the creator for an owner token, else to
     * `agent:<name>`; `name` defaults to the scope. The secret is returned once and never stored.
     */
    create(input: TokenCreate): CreatedToken {
      requirePerson("creates");
      const data = parseInput(TokenCreate, input);
      const name = data.name ?? data.scope;
      const identity = data.as ?? (data.scope === "owner" ? ctx.actor.name : `agent:${name}`);
      checkIdentity(data.scope, identity);
      const secret = newSecret();
      const hash = secretHash(secret);
      const token = runCommand(ctx, (tx) => {
        const tokenId = ctx.ids.tokenId((id) => tx.token(id) !== undefined);
        tx.append([
          { type: "token.created", payload: { tokenId, name, scope: data.scope, identity, secretHash: hash } },
        ]);
        return tx.token(tokenId) as TokenView;
      }).result;
      return { token, secret };
    },

    /** Every token, revoked ones included, oldest first. */
    list(): TokenView[] {
      return ctx.store.tokens();
    },

    /** Revokes a token for good (a person only); revoking one twice is refused. */
    revoke(input: TokenRevoke): TokenView {
      requirePerson("revokes");
      const { id } = parseInput(TokenRevoke, input);
      return runCommand(ctx, (tx) => {
        const token = tx.token(id);
        if (!token) throw new NotFound({ kind: "token", id });
        if (token.revokedAt !== null)
          throw new Refused({
            reason: `token ${id} was already revoked, by ${token.revokedBy} at ${new Date(token.revokedAt).toISOString()}`,
          });
        tx.append([{ type: "token.revoked", payload: { tokenId: id } }]);
        return tx.token(id) as TokenView;
      }).result;
    },

    /** The live token a secret belongs to; undefined for anything else (never throws on what it is given). */
    verify(secret: string): TokenView | undefined {
      if (!isSecretForm(secret)) return undefined;
      const token = ctx.store.tokenBySecretHash(secretHash(secret));
      return token?.revokedAt === null ? token : undefined;
    },

    /** True for the secret of a revoked token: its holder is known, not guessing (never throws). */
    isRevoked(secret: string): boolean {
      if (!isSecretForm(secret)) return false;
      const token = ctx.store.tokenBySecretHash(secretHash(secret));
      return token !== undefined && token.revokedAt !== null;
    },

    /** True when some owner token is live. */
    hasOwner(): boolean {
      return ctx.store.hasLiveOwnerToken();
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
