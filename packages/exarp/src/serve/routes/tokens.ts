// Tokens: listing, creating and revoking them is an owner's job.
import { checkField, line } from "../../kernel/query.ts";
import { created, ok, type Route, serviceInput } from "../route.ts";
import type { Services } from "../services.ts";

type TokenService = Services["tokens"];
type TokenCreate = Parameters<TokenService["create"]>[0];
type TokenRevoke = Parameters<TokenService["revoke"]>[0];

/** A token id from the path: one line, short (the token service says whether it exists). */
const tokenId = line("token id", 100);

export const tokenRoutes: Route[] = [
  { method: "GET", path: "/api/tokens", scope: "owner", run: ({ services }) => ok({ tokens: services.tokens.list() }) },
  {
    method: "POST",
    path: "/api/tokens",
    scope: "owner",
    run: ({ services, body }) => created(services.tokens.create(serviceInput<TokenCreate>(body))),
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
