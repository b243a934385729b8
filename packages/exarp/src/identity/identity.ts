import { line } from "../kernel/query.ts";
import { lazy } from "../kernel/zod.ts";

/** Who acts: an agent or person, and (for agents) the session doing the work. */
export type Actor = { name: string; session: string | null };

/**
 * An identity as every entry point takes it (CLI `--as`, `$EXARP_AGENT`, MCP `as`, the plugin):
 * 1–100 characters, no control or bidi characters. By convention `user:` names a person,
 * `subagent:` an agent's helper, and anything else (`agent:build`) an agent.
 */
export const actorName = line("identity", 100);
export const ActorName = lazy(() => actorName.zod());

/** A session id: the same rules as an identity. */
export const sessionId = line("session", 100);
export const SessionId = lazy(() => sessionId.zod());

/** The prefix of a person's identity: only people decide on reviews. */
export const PERSON_PREFIX = "user:";

/**
 * The prefix of a sub-agent's identity (a helper session an agent spawned). Sub-agents read the
 * board but change nothing; the OpenCode plugin gives their shells this identity and the CLI,
 * MCP server and services refuse their writes.
 */
export const SUBAGENT_PREFIX = "subagent:";

export type ActorKind = "person" | "agent" | "subagent";

/** What kind of identity a name is, by its prefix. */
export function actorKind(name: string): ActorKind {
  if (name.startsWith(PERSON_PREFIX)) return "person";
  if (name.startsWith(SUBAGENT_PREFIX)) return "subagent";
  return "agent";
}

export const isPerson = (actor: Pick<Actor, "name">): boolean => actorKind(actor.name) === "person";
export const isSubagent = (actor: Pick<Actor, "name">): boolean => actorKind(actor.name) === "subagent";

/** `name/session`, or the name alone, for messages. */
export function actorLabel(name: string, session: string | null): string {
  return session ? `${name}/${session}` : name;
}
