import { type Exarp, findProjectRoot, openProject, SHORT_BUSY_TIMEOUT_MS } from "exarp";

/** The plugin's identity when no session acts (it never writes as itself). */
const PLUGIN_ACTOR = { name: "agent:opencode", session: null };

/** What the plugin found in an OpenCode directory. */
export type Opened =
  | { state: "open"; root: string; exarp: Exarp }
  /** No `.exarp/` here: the plugin stays out of the way entirely. */
  | { state: "none" }
  /** A project that cannot be used (a damaged database, a bad `$EXARP_PROJECT_ROOT`…): `reason` says why. */
  | { state: "unusable"; reason: string };

/**
 * The exarp project of an OpenCode directory: only one that already has `.exarp/` (created by
 * `exarp init`), so a plugin installed globally never scatters databases over unrelated folders.
 * The store is opened with the short busy timeout: OpenCode's event loop never waits long on
 * another process's write lock (writes retry asynchronously instead).
 */
export function openExarpProject(directory: string, warn: (message: string) => void): Opened {
  try {
    const root = findProjectRoot(directory);
    if (!root) return { state: "none" };
    const exarp = openProject(root, { actor: PLUGIN_ACTOR, warn, busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS });
    return { state: "open", root, exarp };
  } catch (error) {
    return { state: "unusable", reason: error instanceof Error ? error.message : String(error) };
  }
}
