import { type Actor, osActor, SUBAGENT_PREFIX } from "exarp";
import type { SessionKind } from "./sessions.ts";

/**
 * The exarp identity of an OpenCode session, for its tools and its shell: a primary session acts as
 * `agent:<agent>`, every other session (sub-agents, and any session not yet known to be primary) as
 * `subagent:<agent>`, whose writes the core refuses. Both carry the session id.
 */
export function sessionActor(kind: SessionKind, agent: string | undefined, sessionID: string): Actor {
  const name = agent || "unknown";
  return { name: kind === "primary" ? `agent:${name}` : `${SUBAGENT_PREFIX}${name}`, session: sessionID };
}

/**
 * The person at the keyboard (slash commands such as /approve): the OS user resolved from the uid.
 * Never `os.userInfo()`: under Bun with `$USER` unset it answers "unknown", which once let a person
 * approve their own review as `user:unknown`.
 */
export function personAtKeyboard(): Actor {
  return osActor();
}
