// The runner's git worktrees on real repositories (in folders whose paths hold spaces): the base policy
// carried out (a dependent task's worktree holds its approved blockers' work and nothing else),
// conflicts that leave nothing behind, adoption after a restart, hostile ids, and `exarp worktrees`
// (list, prune) as a user runs it. Git is hermetic: no global or system configuration, HOME a temp folder.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commitWorktree,
  diffSummary,
  listWorktrees,
  MAX_SUMMARY,
  mainBranch,
  prepareWorktree,
  removeWorktree,
  repoRoot,
  runnerBranches,
  worktreeBranch,
  worktreePath,
} from "../src/runner/worktree.ts";
import { type BlockerBase, planBase } from "../src/runner/worktree-policy.ts";
import { git, run, runJson, UNSAFE_OUTPUT } from "./support/hermetic.ts";
import { projectEnv } from "./support/processes.ts";
import { tempDir } from "./support/temp.ts";

const GIT_ENV = ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "HOME"] as const;
const saved = Object.fromEntries(GIT_ENV.map((k) => [k, process.env[k]]));
let home = "";

beforeAll(() => {
  // This file's process runs git itself (through src/runner/worktree.ts): make it blind to the machine.
  home = mkdtempSync(join(tmpdir(), "exarp wt home "));
  process.env.GIT_CONFIG_GLOBAL = "/dev/null";
  process.env.GIT_CONFIG_NOSYSTEM = "1";
  process.env.HOME = home;
});

afterAll(() => {
  for (const k of GIT_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(home, { recursive: true, force: true });
});

/** A repository on branch main with one commit, in a folder whose path has spaces. */
function repo(): string {
  const dir = join(tempDir("exarp wt "), "my repo");
  mkdirSync(dir);
  git(dir, ["init", "-q", "-b", "main"]);
  writeFileSync(join(dir, "README"), "hello\n");
  git(dir, ["add", "README"]);
  git(dir, ["commit", "-q", "-m", "init"]);
  return dir;
}

const done = (taskId: string, mergedIntoMain = false): BlockerBase => ({
  taskId,
  status: "done",
  branch: worktreeBranch(taskId),
  mergedIntoMain,
});

/** What the runner does for one task: plan its base, prepare its worktree, let the "session" write files, commit. */
async function work(root: string, taskId: string, blockers: BlockerBase[], files: Record<string, string>) {
  const plan = planBase({ main: "main", blockers });
  if (!plan.ok) throw new Error(plan.reason);
  const wt = await prepareWorktree({ repo: root, taskId, base: plan });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(wt.path, name), text);
  const commit = await commitWorktree(wt.path, `${taskId}: the session's work`);
  return { ...wt, commit };
}

/** Entries of `git worktree list` (the main checkout included). */
const worktreeCount = (root: string) =>
  git(root, ["worktree", "list", "--porcelain"]).split("\n\n").filter(Boolean).length;

/** This process's child processes, read from /proc (no child is started to count them). */
function children(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const branchNames = (root: string) =>
  git(root, ["for-each-ref", "--format=%(refname:short)", "refs/heads/exarp/"]).split("\n").filter(Boolean);

const branchExists = (root: string, branch: string) =>
  spawnSync("git", ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], { cwd: root }).status === 0;

describe("runner worktrees", () => {
  it("builds a dependent task on its done blocker's work and nothing else, and leaves the main checkout clean", async () => {
    const root = repo();
    const a = await work(root, "T-aaaa", [], { a: "A's edit\n" });
    const c = await work(root, "T-cccc", [], { c: "C's edit\n" });
    expect(a.branch).toBe("exarp/T-aaaa");
    expect(a.path).toBe(join(await repoRoot(root), ".exarp", "worktrees", "T-aaaa"));
    expect(a.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(c.commit).toMatch(/^[0-9a-f]{40}$/);

    const b = await work(root, "T-bbbb", [done("T-aaaa")], { b: "B's edit\n" });
    expect(readFileSync(join(b.path, "a"), "utf8")).toBe("A's edit\n");
    expect(existsSync(join(b.path, "c"))).toBe(false);
    // B's own diff starts after A's work was merged in: only B's file.
    const bDiff = await diffSummary(b.path, b.baseCommit);
    expect(bDiff.files).toEqual([{ path: "b", insertions: 1, deletions: 0 }]);
    const aDiff = await diffSummary(a.path, a.baseCommit);
    expect(aDiff).toMatchObject({ branch: "exarp/T-aaaa", commit: a.commit, insertions: 1, deletions: 0 });
    expect(aDiff.text).toBe(`exarp/T-aaaa @ ${a.commit?.slice(0, 12)}: 1 file changed, +1 -0\n a | +1 -0`);
    // A's work is a merge parent of B's branch: B was built from A's commit, not a copy.
    expect(git(root, ["merge-base", "--is-ancestor", a.commit as string, b.commit as string])).toBe("");

    // Nothing left to commit → null; the main checkout sees none of this.
    expect(await commitWorktree(a.path, "again")).toBeNull();
    expect(git(root, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    expect(readFileSync(join(root, ".git", "info", "exclude"), "utf8")).toContain("/.exarp/worktrees/");
    // exarp's commits carry its own identity, whatever the configuration says.
    expect(git(b.path, ["log", "-1", "--format=%an <%ae>"]).trim()).toBe("exarp runner <exarp@localhost>");

    // Once A is merged into main, B's base needs nothing merged: main holds A's work.
    git(root, ["merge", "-q", "--no-ff", "-m", "merge A", "exarp/T-aaaa"]);
    const branches = await runnerBranches(root, "main");
    expect(branches.find((x) => x.taskId === "T-aaaa")?.mergedIntoMain).toBe(true);
    expect(branches.find((x) => x.taskId === "T-cccc")?.mergedIntoMain).toBe(false);
    expect(planBase({ main: "main", blockers: [done("T-aaaa", true)] })).toEqual({
      ok: true,
      start: "main",
      merge: [],
    });
    expect(await mainBranch(root)).toBe("main");
  });

  it("refuses conflicting blockers with the files named, and leaves no worktree or branch behind", async () => {
    const root = repo();
    await work(root, "T-one1", [], { shared: "one\n" });
    await work(root, "T-two2", [], { shared: "two\n" });
    const before = { worktrees: worktreeCount(root), children: children().length };
    const plan = planBase({ main: "main", blockers: [done("T-two2"), done("T-one1")] });
    if (!plan.ok) throw new Error(plan.reason);
    const failed = prepareWorktree({ repo: root, taskId: "T-both", base: plan });
    await expect(failed).rejects.toMatchObject({
      name: "MergeConflict",
      data: { taskId: "T-both", branch: "exarp/T-two2", files: ["shared"] },
    });
    await expect(failed).rejects.toThrow(/T-both: merging exarp\/T-two2 conflicts in shared/);
    expect(existsSync(worktreePath(root, "T-both"))).toBe(false);
    expect(branchExists(root, "exarp/T-both")).toBe(false);
    expect((await listWorktrees(root)).map((w) => w.taskId).sort()).toEqual(["T-one1", "T-two2"]);
    expect({ worktrees: worktreeCount(root), children: children().length }).toEqual(before);
  });

  it("adopts a task's worktree after a restart, and an earlier attempt's branch after its worktree went", async () => {
    const root = repo();
    const first = await work(root, "T-adop", [], { f: "1\n" });
    const again = await prepareWorktree({ repo: root, taskId: "T-adop", base: { start: "main", merge: [] } });
    expect(again).toEqual({ path: first.path, branch: first.branch, baseCommit: first.baseCommit });
    expect(worktreeCount(root)).toBe(2);

    expect(await removeWorktree(root, "T-adop")).toEqual({ removed: true, branchDeleted: false });
    expect(existsSync(first.path)).toBe(false);
    const reused = await prepareWorktree({ repo: root, taskId: "T-adop", base: { start: "main", merge: [] } });
    expect(reused.baseCommit).toBe(first.baseCommit);
    expect(readFileSync(join(reused.path, "f"), "utf8")).toBe("1\n");
    expect(await removeWorktree(root, "T-adop", { deleteBranch: true })).toEqual({
      removed: true,
      branchDeleted: true,
    });
    expect(await removeWorktree(root, "T-adop", { deleteBranch: true })).toEqual({
      removed: false,
      branchDeleted: false,
    });
    expect(worktreeCount(root)).toBe(1);
  });

  it("leaks no process and no worktree over a whole cycle", async () => {
    const root = repo();
    const before = { worktrees: worktreeCount(root), children: children().length };
    // Parallel sessions prepare their worktrees at once: nothing in git serialises them for us.
    const first = ["T-l1", "T-l2", "T-l3", "T-l4"];
    await Promise.all(first.map((id) => work(root, id, [], { [id]: `${id}\n` })));
    const last = await work(
      root,
      "T-l5",
      first.map((id) => done(id)),
      { five: "5\n" },
    );
    for (const id of first) expect(readFileSync(join(last.path, id), "utf8")).toBe(`${id}\n`);
    expect((await diffSummary(last.path, last.baseCommit)).files.map((f) => f.path)).toEqual(["five"]);
    const ids = [...first, "T-l5"];
    expect(worktreeCount(root)).toBe(before.worktrees + 5);
    for (const id of ids) await removeWorktree(root, id, { deleteBranch: true });
    expect({ worktrees: worktreeCount(root), children: children().length }).toEqual(before);
    expect(readdirSync(join(root, ".exarp", "worktrees"))).toEqual([]);
    expect(branchNames(root)).toEqual([]);
    expect(git(root, ["for-each-ref", "refs/exarp/"])).toBe("");
  });

  it("takes any task id the schema allows and refuses anything else, creating nothing", async () => {
    const root = repo();
    const odd = await work(root, "imp:a.b_c-1", [], { x: "x\n" });
    expect(odd.branch).toBe("exarp/imp%3Aa%2Eb_c-1");
    expect(spawnSync("git", ["check-ref-format", `refs/heads/${odd.branch}`]).status).toBe(0);
    expect((await listWorktrees(root)).map((w) => w.taskId)).toEqual(["imp:a.b_c-1"]);
    expect((await runnerBranches(root, "main")).map((b) => b.taskId)).toEqual(["imp:a.b_c-1"]);

    for (const id of ["../x", "-rf", "a b", "", "x\u001b[2J", "a/b", `T-${"x".repeat(70)}`]) {
      await expect(prepareWorktree({ repo: root, taskId: id, base: { start: "main", merge: [] } })).rejects.toThrow(
        /is not a task id/,
      );
    }
    for (const start of ["--output=/tmp/owned", "no-such-branch", "main\nx"]) {
      await expect(prepareWorktree({ repo: root, taskId: "T-ok", base: { start, merge: [] } })).rejects.toThrow(
        /names no commit/,
      );
    }
    expect(readdirSync(join(root, ".exarp", "worktrees"))).toEqual(["imp%3Aa%2Eb_c-1"]);
    expect(branchNames(root)).toEqual(["exarp/imp%3Aa%2Eb_c-1"]);
    await expect(repoRoot(tempDir())).rejects.toThrow(/is not inside a git repository/);

    // Reached through a symbolic link, with variables that would point git elsewhere: the same repository.
    const link = join(tempDir("exarp wt link "), "to repo");
    symlinkSync(root, link);
    const redirect = {
      GIT_DIR: join(tempDir(), "elsewhere.git"),
      GIT_WORK_TREE: tempDir(),
      GIT_INDEX_FILE: "/dev/null",
    };
    Object.assign(process.env, redirect);
    try {
      const viaLink = await work(link, "T-link", [], { l: "l\n" });
      expect(viaLink.path).toBe(worktreePath(root, "T-link"));
      expect((await listWorktrees(link)).map((w) => w.taskId).sort()).toEqual(["T-link", "imp:a.b_c-1"]);
    } finally {
      for (const key of Object.keys(redirect)) delete process.env[key];
    }
    expect(existsSync(redirect.GIT_DIR)).toBe(false);
  });

  it("summarises a big or hostile diff in bounded, terminal-safe text", async () => {
    const root = repo();
    const files: Record<string, string> = { "evil\u001b[2J\u202ename": "boom\n" };
    for (let i = 0; i < 30; i++) files[`file-${i}-${"n".repeat(150)}`] = "line\n".repeat(i + 1);
    const wt = await work(root, "T-big1", [], files);
    const summary = await diffSummary(wt.path, wt.baseCommit);
    expect(summary.files).toHaveLength(31);
    expect(summary.insertions).toBe(1 + (30 * 31) / 2);
    expect(summary.text.length).toBeLessThanOrEqual(MAX_SUMMARY);
    expect(summary.text).not.toMatch(UNSAFE_OUTPUT);
    expect(summary.text).toContain("31 files changed");
    expect(summary.text).toMatch(/\n … and \d+ more$/);
    expect(summary.text).toContain(" evil\\x1b[2J\\u202ename | +1 -0\n");
  });
});

describe("exarp worktrees", () => {
  const agent = ["--as", "agent:build", "--session", "s1"];

  /** A git repository with an exarp project at its root and one task per wanted status. */
  function project() {
    const root = repo();
    const env = projectEnv(root);
    expect(run(root, ["init"], { env }).code).toBe(0);
    const add = (title: string) => runJson<{ task: { id: string } }>(root, ["add", title], env).task.id;
    const ids = { done: add("done"), review: add("review"), todo: add("todo"), cancelled: add("cancelled") };
    for (const id of [ids.done, ids.review]) {
      runJson(root, ["start", id, ...agent], env);
      runJson(root, ["review", id, ...agent], env);
    }
    runJson(root, ["done", ids.done, "--as", "user:reviewer"], env);
    runJson(root, ["cancel", ids.cancelled], env);
    return { root, env, ids };
  }

  it("lists the runner's worktrees with their tasks' status, and prunes only finished or unknown ones", async () => {
    const { root, env, ids } = project();
    for (const id of [...Object.values(ids), "T-gone"]) await work(root, id, [], { [`${id}.txt`]: `${id}\n` });
    // The user's own worktree is none of exarp's business.
    git(root, ["worktree", "add", "-q", "-b", "mine", join(root, "..", "mine")]);
    git(root, ["merge", "-q", "--no-ff", "-m", "merge done", worktreeBranch(ids.done)]);
    expect(git(root, ["status", "--porcelain", "--untracked-files=all"])).toBe("");

    const listed = runJson<{ worktrees: { taskId: string; status: string | null; dirty: boolean }[] }>(
      root,
      ["worktrees"],
      env,
    );
    const statusOf = Object.fromEntries(listed.worktrees.map((w) => [w.taskId, w.status]));
    expect(statusOf).toEqual({
      [ids.done]: "done",
      [ids.review]: "review",
      [ids.todo]: "todo",
      [ids.cancelled]: "cancelled",
      "T-gone": null,
    });
    const text = run(root, ["worktrees"], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^TASK\s+STATUS\s+BRANCH\s+PATH$/m);
    expect(text.stdout).toContain(`.exarp/worktrees/${ids.review}`);

    // A done task's worktree with uncommitted changes stays unless --force.
    writeFileSync(join(worktreePath(root, ids.done), "left-over"), "x\n");
    const before = worktreeCount(root);
    const dry = runJson<{ dryRun: boolean; steps: { taskId: string; action: string }[] }>(
      root,
      ["worktrees", "--prune", "--dry-run"],
      env,
    );
    expect(dry.dryRun).toBe(true);
    expect(
      dry.steps
        .filter((s) => s.action === "remove")
        .map((s) => s.taskId)
        .sort(),
    ).toEqual([ids.cancelled, "T-gone"].sort());
    expect(worktreeCount(root)).toBe(before);

    const pruned = run(root, ["worktrees", "--prune"], { env });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`kept worktree of ${ids.done} (uncommitted changes (--force removes))`);
    expect(pruned.stdout).toContain(`kept worktree of ${ids.review} (review)`);
    expect(pruned.stdout).toContain(`removed worktree of ${ids.cancelled} (cancelled)`);
    expect((await listWorktrees(root)).map((w) => w.taskId).sort()).toEqual([ids.done, ids.review, ids.todo].sort());
    expect(branchExists(root, worktreeBranch(ids.done))).toBe(true);

    const forced = runJson<{ steps: { taskId: string; action: string }[] }>(
      root,
      ["worktrees", "--prune", "--force"],
      env,
    );
    expect(forced.steps.filter((s) => s.action !== "keep").map((s) => `${s.action} ${s.taskId}`)).toEqual([
      `remove ${ids.done}`,
      `delete-branch ${ids.done}`,
    ]);
    expect((await listWorktrees(root)).map((w) => w.taskId).sort()).toEqual([ids.review, ids.todo].sort());
    // The done task's branch is gone (main has its work); the cancelled one's stays, and so does the user's worktree.
    expect(branchExists(root, worktreeBranch(ids.done))).toBe(false);
    expect(branchExists(root, worktreeBranch(ids.cancelled))).toBe(true);
    expect(worktreeCount(root)).toBe(4);
  });

  it("says clearly when it cannot work: no repository, misused options, a detached HEAD", () => {
    const outside = tempDir("exarp wt no repo ");
    expect(run(outside, ["init"]).code).toBe(0);
    const noRepo = run(outside, ["worktrees", "--json"]);
    expect(noRepo.code).toBe(1);
    expect(JSON.parse(noRepo.stderr).error).toMatchObject({ name: "Refused" });
    expect(noRepo.stderr).toContain("is not inside a git repository");

    const { root, env } = project();
    const misuse = run(root, ["worktrees", "--dry-run"], { env });
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toBe("exarp: --dry-run and --force go with --prune\n");
    git(root, ["checkout", "-q", "--detach"]);
    const detached = run(root, ["worktrees", "--prune"], { env });
    expect(detached.code).toBe(2);
    expect(detached.stderr).toMatch(/HEAD is detached: name the main branch with --main BRANCH/);
    expect(run(root, ["worktrees", "--prune", "--main", "main"], { env }).stdout).toBe("nothing to prune\n");
  });
});
