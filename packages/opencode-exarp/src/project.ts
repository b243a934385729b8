import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Exarp, findProjectRoot, openProject } from "exarp";

/**
 * The exarp project of an OpenCode directory: only one that already has `.exarp/` (created by
 * `exarp init`), so a plugin installed globally never scatters databases over unrelated folders.
 */
export function openExarpProject(
  directory: string,
  warn: (message: string) => void,
): { root: string; exarp: Exarp } | undefined {
  const root = findProjectRoot(directory);
  if (!root || !existsSync(join(root, ".exarp"))) return undefined;
  return { root, exarp: openProject(root, { actor: { name: "agent:opencode", session: null }, warn }) };
}
