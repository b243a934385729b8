// What a session's scope lets the page offer (the server checks again on every request).
import type { Scope } from "./types.ts";

const ORDER = ["viewer", "collaborator", "owner"] as const satisfies readonly Scope[];

/** True when `have` includes `need` (each scope includes the ones before it). */
export const scopeAllows = (have: Scope, need: Scope): boolean => ORDER.indexOf(have) >= ORDER.indexOf(need);
