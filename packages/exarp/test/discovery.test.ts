// Where a command finds its project, as a matrix of real folder layouts and real git repositories:
// the search ends at the repository boundary, a worktree shares its main checkout's project, a
// submodule is its own repository, the home and temp folders are never entered from below, and an
// explicit folder must exist. Every refusal is one line, exit 3, and creates nothing anywhere.
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initProject } from "../src/app/project.ts";
import { git, lines, picture, run, runJson } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

/** A fresh folder for one layout (its real path, so messages compare exactly). */
const base = () => realpathSync(tempDir());

const mkdir = (path: string) => {
  mkdirSync(path, { recursive: true });
  return path;
};

/** `git init` plus one commit, so worktrees can be added. */
function repo(path: string): string {
  mkdir(path);
  git(path, ["init", "-q"]);
  writeFileSync(join(path, "README"), "x\n");
  git(path, ["add", "README"]);
  git(path, ["commit", "-q", "-m", "first"]);
  return path;
}

/** The command must refuse with exit 3 and exactly `message` on one stderr line, leaving `tree` exactly as it was. */
function noProject(tree: string, cwd: string, args: string[], message: string, env?: NodeJS.ProcessEnv) {
  const before = picture(tree);
  const r = run(cwd, args, { env });
  expect(r.code, `${args.join(" ")} in ${cwd}: ${r.stderr}`).toBe(3);
  expect(r.stdout).toBe("");
  expect(lines(r.stderr)).toEqual([`exarp: ${message}`]);
  expect(picture(tree)).toEqual(before);
  const json = run(cwd, [...args, "--json"], { env });
  expect(json.code).toBe(3);
  expect(JSON.parse(json.stderr).error).toMatchObject({ name: "NoProject", message });
  expect(picture(tree)).toEqual(before);
}

const hint = (from: string, upTo?: string) =>
  `no exarp project in ${from}${upTo ? ` (up to ${upTo})` : ""} — run \`exarp init\``;

/** What `exarp init` added to `tree`: the new entries' paths, relative to it. */
function initAdds(tree: string, cwd: string, env?: NodeJS.ProcessEnv): string[] {
  const before = picture(tree);
  const r = run(cwd, ["init"], { env });
  expect(r.code, r.stderr).toBe(0);
  const after = picture(tree);
  for (const [path, what] of Object.entries(before)) expect(after[path], path).toBe(what);
  return Object.keys(after).filter((p) => !(p in before));
}

const exarpFiles = (at: string) => [at, `${at}/.gitignore`, `${at}/exarp.db`].map((p) => p.replace(/^\//, ""));

describe("discovery", () => {
  it("an inner repository is a boundary: the outer project does not capture it", () => {
    const top = base();
    const outer = repo(join(top, "outer"));
    expect(run(outer, ["init"]).code).toBe(0);
    runJson(outer, ["add", "outer task"]);
    const inner = repo(join(outer, "vendor", "inner"));
    const deep = mkdir(join(inner, "src", "deep"));
    // A plain subfolder of the outer repository does find the outer project.
    expect(runJson(mkdir(join(outer, "docs")), ["list"]).tasks).toHaveLength(1);
    noProject(top, deep, ["list"], hint(deep, inner));
    noProject(top, deep, ["add", "lost"], hint(deep, inner));
    expect(initAdds(top, deep)).toEqual(exarpFiles("outer/vendor/inner/.exarp"));
    runJson(deep, ["add", "inner task"]);
    expect(runJson(deep, ["list"]).tasks.map((t: { title: string }) => t.title)).toEqual(["inner task"]);
    expect(runJson(outer, ["list"]).tasks.map((t: { title: string }) => t.title)).toEqual(["outer task"]);
  });

  it("a stray .exarp/ above a repository never captures it; init inside makes the repository's own", () => {
    const top = base();
    const above = mkdir(join(top, "above"));
    expect(run(above, ["init"]).code).toBe(0);
    const project = repo(join(above, "project"));
    const sub = mkdir(join(project, "pkg"));
    noProject(top, project, ["list"], hint(project));
    noProject(top, sub, ["show", "T-x"], hint(sub, project));
    expect(initAdds(top, sub)).toEqual(exarpFiles("above/project/.exarp"));
    // Outside any repository, the search does go up: a plain folder below `above` uses its project.
    expect(run(mkdir(join(above, "notes", "deep")), ["list"]).code).toBe(0);
  });

  it("a linked git worktree shares the main checkout's project", () => {
    const top = base();
    const main = repo(join(top, "main"));
    const worktree = join(top, "feature");
    git(main, ["worktree", "add", "-q", "-b", "feature", worktree]);
    const inWorktree = mkdir(join(worktree, "src"));
    // No project yet: the refusal says the search went up to the main checkout.
    noProject(top, inWorktree, ["list"], hint(inWorktree, main));
    // init from the worktree puts the project in the main checkout, and nothing in the worktree.
    expect(initAdds(top, inWorktree)).toEqual(exarpFiles("main/.exarp"));
    const added = runJson(inWorktree, ["add", "from the worktree"]).task.id;
    expect(runJson(main, ["list"]).tasks.map((t: { id: string }) => t.id)).toEqual([added]);
    runJson(main, ["add", "from main"]);
    expect(runJson(worktree, ["list"]).tasks).toHaveLength(2);
    expect(existsSync(join(worktree, ".exarp"))).toBe(false);
  });

  it("a submodule (a .git file without commondir) is its own repository with its own project", () => {
    const top = base();
    const lib = repo(join(top, "lib"));
    const app = repo(join(top, "app"));
    expect(run(app, ["init"]).code).toBe(0);
    git(app, ["-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "vendor/lib"]);
    const sub = join(app, "vendor", "lib");
    expect(existsSync(join(app, ".git", "modules", "vendor", "lib", "commondir"))).toBe(false);
    noProject(top, sub, ["list"], hint(sub));
    // The same shape by hand: a .git file pointing at a git dir with no commondir.
    const handmade = mkdir(join(app, "tools", "gen"));
    mkdir(join(app, ".git", "modules", "gen"));
    writeFileSync(join(handmade, ".git"), "gitdir: ../../.git/modules/gen\n");
    const below = mkdir(join(handmade, "src"));
    noProject(top, below, ["list"], hint(below, handmade));
    expect(initAdds(top, below)).toEqual(exarpFiles("app/tools/gen/.exarp"));
  });

  it("-C must name an existing folder: a file, a missing folder or a typo is exit 3 and creates nothing", () => {
    const top = base();
    const root = mkdir(join(top, "root"));
    expect(run(root, ["init"]).code).toBe(0);
    writeFileSync(join(root, "notes.txt"), "x");
    const file = join(root, "notes.txt");
    for (const args of [["list"], ["add", "x"], ["init"], ["doctor"]]) {
      noProject(top, root, ["-C", file, ...args], `-C ${file}: not a folder`);
      noProject(top, root, ["-C", "./typo", ...args], `-C ${join(root, "typo")}: no such folder`);
      noProject(
        top,
        root,
        [...args, "-C", join(top, "missing", "deeper")],
        `-C ${join(top, "missing", "deeper")}: no such folder`,
      );
    }
    // -C to a real folder works from anywhere.
    const elsewhere = mkdir(join(top, "elsewhere"));
    expect(runJson(elsewhere, ["-C", root, "add", "via -C"]).task.title).toBe("via -C");
    expect(runJson(root, ["list"]).tasks).toHaveLength(1);
  });

  it("$EXARP_PROJECT_ROOT names the root exactly: missing, a file, or a folder without .exarp is exit 3", () => {
    const top = base();
    const project = mkdir(join(top, "project"));
    expect(run(project, ["init"]).code).toBe(0);
    const cwd = mkdir(join(project, "sub"));
    const nowhere = join(top, "nowhere");
    const bare = mkdir(join(top, "bare"));
    const file = join(top, "file");
    writeFileSync(file, "");
    for (const args of [["list"], ["add", "x"]]) {
      noProject(top, cwd, args, `EXARP_PROJECT_ROOT ${nowhere}: no such folder`, { EXARP_PROJECT_ROOT: nowhere });
      noProject(top, cwd, args, `EXARP_PROJECT_ROOT ${file}: not a folder`, { EXARP_PROJECT_ROOT: file });
      // Even from inside another project: the variable wins over the search.
      noProject(top, cwd, args, hint(bare), { EXARP_PROJECT_ROOT: bare });
    }
    noProject(top, cwd, ["init"], `EXARP_PROJECT_ROOT ${nowhere}: no such folder`, { EXARP_PROJECT_ROOT: nowhere });
    // Relative values are taken from the working folder.
    expect(runJson(cwd, ["add", "relative"], { EXARP_PROJECT_ROOT: ".." }).task.title).toBe("relative");
  });

  it("the search never enters the home folder or the temp folder from below", () => {
    const top = base();
    // The child's temp folder holds its home folder, so no search here looks above `top`.
    const tmp = mkdir(join(top, "tmp"));
    const home = mkdir(join(tmp, "home"));
    const env = { HOME: home, TMPDIR: tmp };
    for (const ceiling of [home, tmp]) {
      // Made by the library, which creates the project where it is told without searching.
      initProject(ceiling).close();
      const below = mkdir(join(ceiling, "work", "app"));
      noProject(top, below, ["list"], hint(below), env);
      noProject(top, below, ["add", "x"], hint(below), env);
      expect(initAdds(top, below, env)).toEqual(exarpFiles(`${below.slice(top.length + 1)}/.exarp`));
    }
  });
});
