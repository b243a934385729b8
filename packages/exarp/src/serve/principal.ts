import type { Actor } from "../identity/identity.ts";
import type { TokenView } from "../token/token.ts";

/**
 * Who is calling the server: the token that authenticated the request and the actor it acts as.
 * The actor's name is always the token's identity; nothing in a request can change it.
 */
export type Principal = { token: TokenView; actor: Actor };
