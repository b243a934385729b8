import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { NoProject } from "../errors-catalog.ts";

export const EXARP_DIR = ".exarp";
export const DB_FILE = "exarp.db";

/** Where a project keeps its state. */
export type ProjectPaths = { root: string; dir: string; db: string };

export function projectPaths(root: string): ProjectPaths {
  const dir = join(root, EXARP_DIR);
  return { root, dir, db: join(dir, DB_FILE) };
}

/**
 * The project root for `from`: `$EXARP_PROJECT_ROOT` if set, else the nearest folder upward with
 * `.exarp/`, else the nearest with `.git/`. Undefined when there is none.
 */
export function findProjectRoot(from: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.EXARP_PROJECT_ROOT) return resolve(env.EXARP_PROJECT_ROOT);
  const start = resolve(from);
  for (const marker of [EXARP_DIR, ".git"]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, marker))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** Like findProjectRoot, but throws NoProject with a hint when there is none. */
export function requireProjectRoot(from: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = findProjectRoot(from, env);
  if (!root) throw new NoProject({ from: resolve(from) });
  return root;
}

/** Creates `.exarp/` with a .gitignore that keeps the database and audit files out of commits. */
export function ensureProjectDir(root: string): ProjectPaths {
  const paths = projectPaths(root);
  if (!existsSync(paths.dir)) {
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(
      join(paths.dir, ".gitignore"),
      "# exarp state: shared through exarp, not git (use `exarp export` to snapshot)\n*\n",
    );
  }
  return paths;
}
