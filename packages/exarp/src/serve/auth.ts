// Who is calling: a bearer token (API clients) or a session cookie (the dashboard), never a token in
// the URL. The actor is the token's identity; only the work session (`X-Exarp-Session`) comes from
// the request, and it names a session of that identity, never another identity.

import { parseSessionId } from "../app/actor.ts";
import type { Exarp } from "../app/exarp.ts";
import { type Scope, scopeAllows, type TokenView } from "../token/token.ts";
import { Forbidden, Unauthenticated } from "./errors.ts";
import type { LoginLimit } from "./login-limit.ts";
import type { Principal } from "./principal.ts";
import { type Session, type Sessions, sameSecret } from "./sessions.ts";

/** The header naming the caller's work session (lease holders are identity + session). */
const SESSION_HEADER = "x-exarp-session";
/** The header a cookie-authenticated write carries: the session's anti-forgery value. */
const CSRF_HEADER = "x-exarp-csrf";

/** An authenticated request: who, and how (a cookie's session when it came by cookie). */
export type Auth = { principal: Principal; session?: { id: string; value: Session } };

export type Authenticator = {
  /** Checks a secret as a login attempt from `address`: rate-limited, failures counted. */
  login(secret: string, address: string): TokenView;
  /** Authenticates a request by bearer token, or (when `cookie`) by session cookie. */
  authenticate(request: Request, address: string, options: { cookie: boolean }): Auth;
};

const NO_CREDENTIALS = "no credentials: send Authorization: Bearer <token>, or log in with POST /api/session";

function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function principalOf(token: TokenView, request: Request): Principal {
  const session = request.headers.get(SESSION_HEADER);
  return {
    token,
    actor: { name: token.identity, session: session === null ? null : parseSessionId(session, "X-Exarp-Session") },
  };
}

export function createAuthenticator(exarp: Exarp, sessions: Sessions, limit: LoginLimit): Authenticator {
  const login = (secret: string, address: string): TokenView => {
    limit.check(address);
    const token = exarp.tokens.verify(secret);
    if (token) return token;
    // A client still using a revoked token is not guessing: it must not lock out its address's other clients.
    if (!exarp.tokens.isRevoked(secret)) limit.fail(address);
    throw new Unauthenticated({ reason: "the token is not valid: unknown, revoked or mistyped" });
  };

  const liveToken = (id: string): TokenView | undefined =>
    exarp.tokens.list().find((t) => t.id === id && t.revokedAt === null);

  return {
    login,
    authenticate(request, address, options) {
      const authorization = request.headers.get("authorization");
      if (authorization !== null) {
        const bearer = /^Bearer +(\S+) *$/i.exec(authorization);
        if (!bearer) {
          limit.check(address);
          limit.fail(address);
          throw new Unauthenticated({ reason: "the Authorization header must be `Bearer <token>`" });
        }
        return { principal: principalOf(login(bearer[1] as string, address), request) };
      }
      const id = options.cookie ? cookieValue(request, sessions.cookie) : undefined;
      if (id === undefined) throw new Unauthenticated({ reason: NO_CREDENTIALS });
      const session = sessions.find(id);
      const token = session && liveToken(session.tokenId);
      if (!session || !token) {
        sessions.close(id);
        throw new Unauthenticated({
          reason: "the session ended (logged out, expired or its token revoked); log in again",
        });
      }
      return { principal: principalOf(token, request), session: { id, value: session } };
    },
  };
}

/** Refuses a principal whose token's scope does not reach `need`, naming the scope missing. */
export function requireScope(principal: Principal, need: Scope): void {
  const have = principal.token.scope;
  if (!scopeAllows(have, need))
    throw new Forbidden({ reason: `this needs a token with the ${need} scope; yours has ${have}`, need, have });
}

/**
 * A write authenticated by cookie must prove it comes from the dashboard itself: the session's
 * anti-forgery header, and an `Origin` that is this server's.
 */
export function checkCrossSite(request: Request, auth: Auth, origin: string): void {
  if (!auth.session) return;
  const csrf = request.headers.get(CSRF_HEADER);
  if (csrf === null || !sameSecret(csrf, auth.session.value.csrf))
    throw new Forbidden({ reason: "a write with a session cookie needs the session's X-Exarp-CSRF header" });
  if (request.headers.get("origin") !== origin)
    throw new Forbidden({ reason: "a write with a session cookie needs an Origin header naming this server" });
}
