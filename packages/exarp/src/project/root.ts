import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { NoProject } from "../errors-catalog.ts";

export const EXARP_DIR = ".exarp";
export const DB_FILE = "exarp.db";

/** Where a project keeps its state. */
export type ProjectPaths = { root: string; dir: string; db: string };

export function projectPaths(root: string): ProjectPaths {
  const dir = join(root, EXARP_DIR);
  return { root, dir, db: join(dir, DB_FILE) };
}

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The real path of `path`, or `path` itself when it cannot be resolved. */
const real = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

/**
 * Folders an upward search never enters: the file-system root, the home folder and the system's
 * temporary folder. A stray `.exarp/` there must not capture every folder below it.
 */
function ceilings(): Set<string> {
  const out = new Set<string>();
  for (const dir of [homedir(), tmpdir()]) if (dir) out.add(real(resolve(dir)));
  return out;
}

/** A repository found by its `.git` (a directory, or a file for worktrees and submodules). */
type Repository = { root: string; main: string };

/**
 * The repository folder `dir` is the top of, if it has `.git`. A linked worktree's `.git` file
 * points into the main repository's `.git/worktrees/<name>`, whose `commondir` leads back to the
 * main `.git`: `main` is then the main checkout, which every worktree shares a project with.
 * Submodules and separate git dirs have no `commondir`: they are their own repository.
 */
function repositoryAt(dir: string): Repository | undefined {
  const dotGit = join(dir, ".git");
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dotGit);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return { root: dir, main: dir };
  try {
    const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1];
    if (!pointer) return { root: dir, main: dir };
    const gitDir = resolve(dir, pointer);
    const commonFile = join(gitDir, "commondir");
    if (!existsSync(commonFile)) return { root: dir, main: dir };
    const common = resolve(gitDir, readFileSync(commonFile, "utf8").trim());
    // A bare repository's worktrees have no main checkout: the worktree is then its own root.
    return { root: dir, main: basename(common) === ".git" ? dirname(common) : dir };
  } catch {
    return { root: dir, main: dir };
  }
}

/** The repository enclosing `start` (walking up, within the ceilings), if any. */
function enclosingRepository(start: string, stop: Set<string>): Repository | undefined {
  for (let dir = start; ; ) {
    const repo = repositoryAt(dir);
    if (repo) return repo;
    const parent = dirname(dir);
    if (parent === dir || stop.has(parent)) return undefined;
    dir = parent;
  }
}

/**
 * Where discovery from `start` really looks: inside a linked worktree, the same relative folder of
 * the main checkout (or its nearest existing ancestor); the search ends at the repository root.
 */
function searchSpace(start: string): { from: string; boundary: string | undefined } {
  const stop = ceilings();
  const repo = enclosingRepository(start, stop);
  if (!repo) return { from: start, boundary: undefined };
  if (repo.main === repo.root) return { from: start, boundary: repo.root };
  let from = join(repo.main, relative(repo.root, start));
  while (from !== repo.main && !isDirectory(from)) from = dirname(from);
  return { from, boundary: repo.main };
}

/** Checks an explicit folder (`-C`, `$EXARP_PROJECT_ROOT`): it must exist and be a folder. */
export function checkFolder(path: string, source: string): string {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new NoProject({ from: path, reason: `${source} ${path}: no such folder` });
  }
  if (!stat.isDirectory()) throw new NoProject({ from: path, reason: `${source} ${path}: not a folder` });
  return path;
}

/**
 * The project for a working folder: `$EXARP_PROJECT_ROOT` if set, else the nearest folder upward
 * with `.exarp/`, searching no further than the enclosing repository (a worktree searches its main
 * checkout) and never entering the file-system root, the home folder or the temporary folder.
 * Undefined when there is none: finding never creates anything.
 */
export function findProjectRoot(from: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.EXARP_PROJECT_ROOT) {
    const root = checkFolder(resolve(from, env.EXARP_PROJECT_ROOT), "EXARP_PROJECT_ROOT");
    return isDirectory(join(root, EXARP_DIR)) ? root : undefined;
  }
  const start = real(resolve(from));
  const { from: first, boundary } = searchSpace(start);
  const stop = ceilings();
  for (let dir = first; ; ) {
    if (existsSync(join(dir, EXARP_DIR))) {
      if (!isDirectory(join(dir, EXARP_DIR)))
        throw new NoProject({ from: start, reason: `${join(dir, EXARP_DIR)} is not a folder` });
      return dir;
    }
    if (dir === boundary) return undefined;
    const parent = dirname(dir);
    if (parent === dir || stop.has(parent)) return undefined;
    dir = parent;
  }
}

/** Like findProjectRoot, but throws NoProject (exit 3) naming where it looked. */
export function requireProjectRoot(from: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = findProjectRoot(from, env);
  if (root) return root;
  if (env.EXARP_PROJECT_ROOT) throw new NoProject({ from: resolve(from, env.EXARP_PROJECT_ROOT) });
  const start = real(resolve(from));
  const { boundary } = searchSpace(start);
  throw new NoProject({ from: boundary && boundary !== start ? `${start} (up to ${boundary})` : start });
}

/**
 * Where `exarp init` puts the project for a working folder: `$EXARP_PROJECT_ROOT`, else the project
 * already found there, else the root of the enclosing repository (the main checkout for a
 * worktree), else the folder itself.
 */
export function initRoot(from: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.EXARP_PROJECT_ROOT) return checkFolder(resolve(from, env.EXARP_PROJECT_ROOT), "EXARP_PROJECT_ROOT");
  const existing = findProjectRoot(from, env);
  if (existing) return existing;
  const start = real(resolve(from));
  return searchSpace(start).boundary ?? start;
}

/** True when `path` lies inside `folder` (or is it). */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}
