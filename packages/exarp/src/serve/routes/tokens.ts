// Tokens: listing, creating and revoking them is an owner's job.
import { parseInput } from "../../kernel/input.ts";
import { checkField, line } from "../../kernel/query.ts";
import { TokenCreate, type TokenRevoke } from "../../token/token.ts";
import { Forbidden } from "../errors.ts";
import { created, ok, type Route, serviceInput } from "../route.ts";

/** A token id from the path: one line, short (the token service says whether it exists). */
const tokenId = line("token id", 100);

export const tokenRoutes: Route[] = [
  { method: "GET", path: "/api/tokens", scope: "owner", run: ({ services }) => ok({ tokens: services.tokens.list() }) },
  {
    method: "POST",
    path: "/api/tokens",
    scope: "owner",
    run: ({ services, principal, body }) => {
      const request = parseInput(TokenCreate, body);
      // An owner token for another person would let its maker decide on their own reviews as that person.
      const me = principal.actor.name;
      if (request.scope === "owner" && request.as !== undefined && request.as !== me)
        throw new Forbidden({ reason: `an owner token acts as the person who makes it (${me}), not ${request.as}` });
      return created(services.tokens.create(request));
    },
  },
  {
    method: "DELETE",
    path: "/api/tokens/:id",
    scope: "owner",
    run: ({ services, params, body }) => {
      const id = checkField(tokenId, params.id, "id");
      return ok({ token: services.tokens.revoke(serviceInput<TokenRevoke>(body, { id })) });
    },
  },
];
