// Logging the dashboard in and out: a token exchanged once for an HttpOnly session cookie.
import { parseInput } from "../../kernel/input.ts";
import { lazy, z } from "../../kernel/zod.ts";
import type { TokenView } from "../../token/token.ts";
import { type Authenticator, checkCrossSite } from "../auth.ts";
import { readJsonBody } from "../body.ts";
import { jsonResponse } from "../respond.ts";
import type { Sessions } from "../sessions.ts";

/** The login body: the token's secret, nothing else. */
const LoginRequest = lazy(() => z.strictObject({ token: z.string().min(1, "token is empty").max(200) }));

/** What a request on this route knows about where it came from. */
type Caller = { request: Request; address: string; origin: string };

const whoami = (token: TokenView) => ({ identity: token.identity, scope: token.scope, name: token.name });

function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;
}

export function createSessionRoutes(auth: Authenticator, sessions: Sessions) {
  return {
    /** POST /api/session `{ token }` → who the token is, the anti-forgery value, and the cookie. */
    async login({ request, address }: Caller): Promise<Response> {
      const { token: secret } = parseInput(LoginRequest, await readJsonBody(request));
      const token = auth.login(secret, address);
      const { id, session } = sessions.open(token.id);
      return jsonResponse(
        200,
        { ...whoami(token), csrf: session.csrf },
        { "Set-Cookie": cookie(sessions.cookie, id, Math.floor(sessions.ttlMs / 1000)) },
      );
    },

    /** GET /api/session → who is logged in (with the anti-forgery value when by cookie). */
    current({ request, address }: Caller): Response {
      const { principal, session } = auth.authenticate(request, address, { cookie: true });
      return jsonResponse(200, { ...whoami(principal.token), ...(session ? { csrf: session.value.csrf } : {}) });
    },

    /** DELETE /api/session → ends the cookie's session (a write: the cross-site checks apply). */
    logout({ request, address, origin }: Caller): Response {
      const found = auth.authenticate(request, address, { cookie: true });
      checkCrossSite(request, found, origin);
      if (found.session) sessions.close(found.session.id);
      return jsonResponse(
        200,
        { loggedOut: found.session !== undefined },
        { "Set-Cookie": cookie(sessions.cookie, "", 0) },
      );
    },
  };
}
