import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { type Actor, actorName, PERSON_PREFIX, sessionId } from "../identity/identity.ts";
import { checkField } from "../kernel/query.ts";

let cachedUser: string | undefined;

/**
 * The login name of the user running this process, from the uid (not from `$USER`), so Node and
 * Bun agree whatever the environment says: `/etc/passwd` first, then the runtime's own lookup,
 * else `uid-<n>`.
 */
export function osUserName(): string {
  if (cachedUser !== undefined) return cachedUser;
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  cachedUser = (uid !== undefined ? passwdName(uid) : undefined) ?? runtimeName() ?? `uid-${uid ?? "unknown"}`;
  return cachedUser;
}

function passwdName(uid: number): string | undefined {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id === String(uid)) return name;
    }
  } catch {
    // no passwd file (Windows, minimal containers): fall through
  }
  return undefined;
}

function runtimeName(): string | undefined {
  try {
    const name = userInfo().username;
    // Bun answers "unknown" when $USER is unset instead of asking the system.
    return name && name !== "unknown" ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The person at this machine: `user:<login>`. */
export function osActor(): Actor {
  return { name: `${PERSON_PREFIX}${osUserName()}`, session: null };
}

/** Checks an identity from a flag or variable with the one identity schema; `source` names it in errors. */
export function parseActorName(value: string, source: string): string {
  return checkField(actorName, value, source);
}

export function parseSessionId(value: string, source: string): string {
  return checkField(sessionId, value, source);
}

/** The identity of whoever runs this process: `$EXARP_AGENT`/`$EXARP_SESSION`, else the OS user (a person). */
export function actorFromEnv(env: NodeJS.ProcessEnv = process.env): Actor {
  const name = env.EXARP_AGENT ? parseActorName(env.EXARP_AGENT, "EXARP_AGENT") : osActor().name;
  const session = env.EXARP_SESSION ? parseSessionId(env.EXARP_SESSION, "EXARP_SESSION") : null;
  return { name, session };
}
