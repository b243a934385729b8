// Git worktrees for `exarp run --worktree`: each task's session works in its own worktree and branch.
//
// Layout: the branch of task T is `exarp/T` (worktreeBranch), its worktree `<repo>/.exarp/worktrees/T`
// (worktreePath), a folder git ignores (.exarp/.gitignore ignores everything but config.json; when
// that file is missing the folder is added to the repository's info/exclude). Where a branch starts is
// decided by worktree-policy.ts (planBase); this module only carries it out.
//
// API, in the order the runner uses it:
//   repoRoot(dir), mainBranch(repo), runnerBranches(repo, main)  → what planBase needs
//   prepareWorktree({ repo, taskId, base })   → { path, branch, baseCommit }   (idempotent: adopts)
//   commitWorktree(path, message)             → sha, or null when nothing changed
//   diffSummary(path, baseCommit)             → files, totals and a short terminal-safe text
//   removeWorktree(repo, taskId, { deleteBranch })  (the branch stays by default: dependents merge it)
//   listWorktrees(repo)                       → the runner's worktrees, not the user's own
//
// The commit a task's own work starts from is kept in refs/exarp/base/<taskId> while its branch lives,
// so a restarted runner diffs the same work.
//
// Git runs through execFile (no shell), with a timeout, without the caller's GIT_DIR-like variables,
// never prompting. A failure is a GitFailed naming the command and its stderr; a merge conflict is a
// MergeConflict naming the files, after the worktree it would have left is removed.

import { execFile } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { defineError } from "../errors.ts";
import { Refused } from "../errors-catalog.ts";
import { inline } from "../text/safe.ts";
import type { Base } from "./worktree-policy.ts";

/** A git command failed, timed out or could not start. */
export const GitFailed = defineError<{ command: string; cwd: string; exitCode: number | null; stderr: string }>(
  "GitFailed",
  (d) =>
    `${d.command} failed${d.exitCode === null ? " (timed out or could not run)" : ` (exit ${d.exitCode})`}${d.stderr ? `: ${d.stderr}` : ""}`,
);

/** Merging a blocker's branch into a task's new branch conflicted; nothing was left behind. */
export const MergeConflict = defineError<{ taskId: string; branch: string; files: string[] }>(
  "MergeConflict",
  (d) =>
    `task ${d.taskId}: merging ${d.branch} conflicts in ${conflictList(d.files)}; merge the blockers' branches into main (resolving the conflict), then run the task again`,
);

const conflictList = (files: string[]) =>
  files.length > 10 ? `${files.slice(0, 10).join(", ")} and ${files.length - 10} more` : files.join(", ");

/** Where the runner's worktrees live, relative to the repository root. */
export const WORKTREES_DIR = ".exarp/worktrees";

/** The identity of exarp's own commits (given on the command line: no git configuration needed). */
const IDENTITY = ["-c", "user.name=exarp runner", "-c", "user.email=exarp@localhost", "-c", "commit.gpgsign=false"];
const TIMEOUT_MS = 30_000;
const SLOW_TIMEOUT_MS = 120_000;
const MAX_STDERR = 600;
/** Task ids as the task schema allows them (task/task.ts TaskId), checked here without loading zod. */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A runner worktree: where it is, its branch, and the commit the task's own work starts from. */
export type Worktree = { path: string; branch: string; baseCommit: string };

/** One of the runner's worktrees as git lists it. */
export type RunnerWorktree = {
  taskId: string;
  path: string;
  /** Null when someone detached its HEAD. */
  branch: string | null;
  head: string | null;
  /** Uncommitted changes (tracked or untracked); false for a worktree whose folder is gone. */
  dirty: boolean;
  /** Its folder is gone: `git worktree prune` forgets it. */
  prunable: boolean;
  locked: boolean;
};

/** What changed on a task's branch since its base commit. */
export type DiffSummary = {
  branch: string | null;
  commit: string;
  files: { path: string; insertions: number; deletions: number }[];
  insertions: number;
  deletions: number;
  /** A short `git diff --stat`-like summary, terminal-safe and at most MAX_SUMMARY characters. */
  text: string;
};

export const MAX_SUMMARY = 2000;
const SUMMARY_FILES = 20;
const STATUS_BATCH = 4;

/** The branch of a task's worktree: `exarp/<taskId>` (`.` and `:`, which refs restrict, are escaped). */
export function worktreeBranch(taskId: string): string {
  return `exarp/${encodeId(checkTaskId(taskId))}`;
}

/** The folder of a task's worktree: `<repo>/.exarp/worktrees/<taskId>`. */
export function worktreePath(repo: string, taskId: string): string {
  return join(canonical(repo), WORKTREES_DIR, encodeId(checkTaskId(taskId)));
}

/** The root of the git repository holding `dir` (refused when there is none). */
export async function repoRoot(dir: string): Promise<string> {
  const r = await gitResult(dir, ["rev-parse", "--show-toplevel"]);
  if (r.code !== 0)
    throw new Refused({ reason: `${dir} is not inside a git repository (${inline(r.stderr, 200) || "git refused"})` });
  return canonical(r.stdout.trim());
}

/** The branch checked out in the repository's main worktree; null when its HEAD is detached. */
export async function mainBranch(repo: string): Promise<string | null> {
  const first = parseWorktreeList(await git(repo, ["worktree", "list", "--porcelain", "-z"]))[0];
  return first?.branch ?? null;
}

/** Every `exarp/*` branch: its task and whether `main` contains it (what planBase asks of a blocker). */
export async function runnerBranches(
  repo: string,
  main: string,
): Promise<{ taskId: string; branch: string; mergedIntoMain: boolean }[]> {
  const mainSha = await resolveCommit(repo, main);
  const all = await git(repo, ["for-each-ref", "--format=%(refname)", "refs/heads/exarp/"]);
  const merged = new Set(
    (await git(repo, ["for-each-ref", `--merged=${mainSha}`, "--format=%(refname)", "refs/heads/exarp/"])).split("\n"),
  );
  return all
    .split("\n")
    .filter((ref) => ref !== "")
    .flatMap((ref) => {
      const branch = ref.slice("refs/heads/".length);
      const taskId = idOfBranch(branch);
      return taskId ? [{ taskId, branch, mergedIntoMain: merged.has(ref) }] : [];
    });
}

/**
 * The worktree of `taskId`, on branch `exarp/<taskId>`: made from `base.start` at its current commit
 * with each of `base.merge` merged in (`--no-ff`, in order), or, when it exists (after a restart),
 * adopted as it is with any of `base.merge` it lacks merged in. An existing branch without a worktree
 * (an earlier attempt's) is checked out again, keeping its work. A conflict aborts the merge, removes
 * the worktree (and the branch, when this call made it) and throws MergeConflict.
 */
export async function prepareWorktree(input: { repo: string; taskId: string; base: Base }): Promise<Worktree> {
  const repo = canonical(input.repo);
  const { taskId } = input;
  const path = worktreePath(repo, taskId);
  const branch = worktreeBranch(taskId);
  const start = await resolveCommit(repo, input.base.start);
  const merges = await Promise.all(
    input.base.merge.map(async (name) => ({ name, sha: await resolveCommit(repo, name) })),
  );
  const existing = (await runnerEntries(repo)).find((w) => w.taskId === taskId && !w.prunable);
  if (existing) {
    if (existing.branch !== branch)
      throw new Refused({
        reason: `the worktree of ${taskId} (${existing.path}) is on ${existing.branch ?? "a detached HEAD"}, not ${branch}; remove it with \`git worktree remove\``,
      });
    await mergeAll(path, taskId, merges, undefined);
    return { path, branch, baseCommit: await recordedBase(repo, taskId, start) };
  }
  await git(repo, ["worktree", "prune"]);
  if (existsSync(path))
    throw new Refused({ reason: `${path} exists but is not a worktree of this repository; move it away first` });
  await ensureIgnored(repo);
  const reused = await branchExists(repo, branch);
  await git(
    repo,
    reused ? ["worktree", "add", "--", path, branch] : ["worktree", "add", "-b", branch, "--", path, start],
    SLOW_TIMEOUT_MS,
  );
  await mergeAll(path, taskId, merges, { repo, deleteBranch: !reused });
  if (reused) return { path, branch, baseCommit: await recordedBase(repo, taskId, start) };
  const baseCommit = await head(path);
  // A ref, not a config key: parallel tasks each write their own ref, while .git/config has one lock.
  await git(repo, ["update-ref", baseRef(taskId), baseCommit]);
  return { path, branch, baseCommit };
}

/** Commits everything the session left in the worktree (as exarp); the new commit, or null when nothing changed. */
export async function commitWorktree(path: string, message: string): Promise<string | null> {
  await git(path, ["add", "--all"]);
  const staged = await gitResult(path, ["diff", "--cached", "--quiet"]);
  if (staged.code === 0) return null;
  if (staged.code !== 1) throw failure(path, ["diff", "--cached", "--quiet"], staged);
  await git(path, [...IDENTITY, "commit", "--no-verify", "--quiet", "--file=-"], TIMEOUT_MS, message || "exarp");
  return head(path);
}

/** What the worktree's HEAD changed since `baseCommit`: per file, totals, and a short text for a comment. */
export async function diffSummary(path: string, baseCommit: string): Promise<DiffSummary> {
  const commit = await head(path);
  const branchRef = await gitResult(path, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const out = await git(path, ["diff", "--numstat", "-z", "--no-renames", baseCommit, commit, "--"]);
  const files = out
    .split("\0")
    .filter((rec) => rec !== "")
    .map((rec) => {
      const [ins = "", del = "", ...rest] = rec.split("\t");
      return { path: rest.join("\t"), insertions: Number(ins) || 0, deletions: Number(del) || 0 };
    });
  const insertions = files.reduce((n, f) => n + f.insertions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  const branch = branchRef.code === 0 ? branchRef.stdout.trim() : null;
  return { branch, commit, files, insertions, deletions, text: summaryText(branch, commit, files) };
}

/**
 * Removes a task's worktree (even with uncommitted changes) and forgets it; deletes its branch only
 * when asked. Says what it removed; removing what is not there is not an error.
 */
export async function removeWorktree(
  repo: string,
  taskId: string,
  options: { deleteBranch?: boolean } = {},
): Promise<{ removed: boolean; branchDeleted: boolean }> {
  const root = canonical(repo);
  const path = worktreePath(root, taskId);
  const branch = worktreeBranch(taskId);
  const listed = (await runnerEntries(root)).find((w) => w.taskId === taskId);
  if (listed && !listed.prunable) await git(root, ["worktree", "remove", "--force", "--force", "--", path]);
  // A folder git no longer knows (its registration pruned, a crash mid-add) is ours: it is under .exarp/worktrees.
  const leftover = existsSync(path);
  if (leftover) rmSync(path, { recursive: true, force: true });
  await git(root, ["worktree", "prune"]);
  let branchDeleted = false;
  if (options.deleteBranch && (await branchExists(root, branch))) {
    await git(root, ["branch", "-D", "--", branch]);
    branchDeleted = true;
  }
  if (options.deleteBranch) await git(root, ["update-ref", "-d", baseRef(taskId)]);
  return { removed: listed !== undefined || leftover, branchDeleted };
}

/** The runner's worktrees (folders directly under `.exarp/worktrees` named like a task), from `git worktree list`. */
export async function listWorktrees(repo: string): Promise<RunnerWorktree[]> {
  const mine = await runnerEntries(canonical(repo));
  const out: RunnerWorktree[] = [];
  // A few `git status` at a time: hundreds of leftover worktrees must not mean hundreds of processes at once.
  for (let i = 0; i < mine.length; i += STATUS_BATCH) {
    const batch = mine.slice(i, i + STATUS_BATCH).map(async (e) => ({
      taskId: e.taskId,
      path: e.path,
      branch: e.branch,
      head: e.head,
      dirty: !e.prunable && existsSync(e.path) ? await isDirty(e.path) : false,
      prunable: e.prunable,
      locked: e.locked,
    }));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** The entries of `git worktree list` that are the runner's, with their task (no `git status`). */
async function runnerEntries(root: string): Promise<(ListedWorktree & { taskId: string })[]> {
  const ours = join(root, WORKTREES_DIR);
  const entries = parseWorktreeList(await git(root, ["worktree", "list", "--porcelain", "-z"]));
  return entries.flatMap((e) => {
    const taskId = idOfFolder(basename(e.path));
    return taskId && dirname(canonical(e.path)) === ours ? [{ ...e, taskId }] : [];
  });
}

type ListedWorktree = { path: string; head: string | null; branch: string | null; prunable: boolean; locked: boolean };

/** `git worktree list --porcelain -z`: records of NUL-ended `key value` fields, each record ended by an empty field. */
function parseWorktreeList(out: string): ListedWorktree[] {
  const records: ListedWorktree[] = [];
  let current: ListedWorktree | undefined;
  for (const field of out.split("\0")) {
    if (field === "") {
      if (current) records.push(current);
      current = undefined;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? "" : field.slice(space + 1);
    if (key === "worktree") current = { path: value, head: null, branch: null, prunable: false, locked: false };
    else if (!current) continue;
    else if (key === "HEAD") current.head = value;
    else if (key === "branch") current.branch = value.replace(/^refs\/heads\//, "");
    else if (key === "prunable") current.prunable = true;
    else if (key === "locked") current.locked = true;
  }
  if (current) records.push(current);
  return records;
}

/**
 * Merges each branch the worktree's HEAD lacks. On a failure the merge is aborted and, for a worktree
 * this call made (`cleanup`), the worktree removed; an adopted one is left as it was (it may hold a
 * session's work).
 */
async function mergeAll(
  path: string,
  taskId: string,
  merges: { name: string; sha: string }[],
  cleanup: { repo: string; deleteBranch: boolean } | undefined,
): Promise<void> {
  for (const { name, sha } of merges) {
    if ((await gitResult(path, ["merge-base", "--is-ancestor", sha, "HEAD"])).code === 0) continue;
    const args = [
      ...IDENTITY,
      "merge",
      "--no-ff",
      "--no-verify",
      "--no-edit",
      "-m",
      `Merge ${name} (approved blocker of ${taskId})`,
      sha,
    ];
    const r = await gitResult(path, args, SLOW_TIMEOUT_MS);
    if (r.code === 0) continue;
    const conflicted = await gitResult(path, ["diff", "--name-only", "--diff-filter=U", "-z"]);
    const files = conflicted.stdout.split("\0").filter((f) => f !== "");
    await gitResult(path, ["merge", "--abort"]);
    if (cleanup) await removeWorktree(cleanup.repo, taskId, { deleteBranch: cleanup.deleteBranch });
    if (files.length > 0) throw new MergeConflict({ taskId, branch: name, files: files.map((f) => inline(f, 200)) });
    throw failure(path, ["merge", "--no-ff", name], r);
  }
}

/** Where the commit a task's own work starts from is kept while its branch lives. */
const baseRef = (taskId: string) => `refs/exarp/base/${encodeId(taskId)}`;

/** The base recorded when the branch was made; for a branch made elsewhere, where it meets `start`. */
async function recordedBase(repo: string, taskId: string, start: string): Promise<string> {
  const r = await gitResult(repo, ["rev-parse", "--verify", "--quiet", `${baseRef(taskId)}^{commit}`]);
  if (r.code === 0) return r.stdout.trim();
  return (await git(repo, ["merge-base", start, `refs/heads/${worktreeBranch(taskId)}`])).trim();
}

/** Makes sure git ignores `.exarp/worktrees` in the main checkout (else `git add -A` there would take them in). */
async function ensureIgnored(repo: string): Promise<void> {
  if ((await gitResult(repo, ["check-ignore", "--quiet", `${WORKTREES_DIR}/x`])).code === 0) return;
  const common = (await git(repo, ["rev-parse", "--git-common-dir"])).trim();
  const exclude = join(isAbsolute(common) ? common : resolve(repo, common), "info", "exclude");
  mkdirSync(dirname(exclude), { recursive: true });
  const before = existsSync(exclude) ? readFileSync(exclude, "utf8") : "";
  appendFileSync(exclude, `${before === "" || before.endsWith("\n") ? "" : "\n"}/${WORKTREES_DIR}/\n`);
}

async function branchExists(repo: string, branch: string): Promise<boolean> {
  return (await gitResult(repo, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`])).code === 0;
}

async function isDirty(path: string): Promise<boolean> {
  return (await git(path, ["status", "--porcelain", "-z", "--untracked-files=normal"])) !== "";
}

async function head(path: string): Promise<string> {
  return (await git(path, ["rev-parse", "--verify", "HEAD"])).trim();
}

/** The commit a name (branch, tag, sha) points at; refused when it names none. */
async function resolveCommit(repo: string, name: string): Promise<string> {
  const r = await gitResult(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${name}^{commit}`]);
  if (r.code !== 0) throw new Refused({ reason: `${inline(name, 200)} names no commit in ${repo}` });
  return r.stdout.trim();
}

function summaryText(branch: string | null, commit: string, files: DiffSummary["files"]): string {
  const ins = files.reduce((n, f) => n + f.insertions, 0);
  const del = files.reduce((n, f) => n + f.deletions, 0);
  const count = `${files.length} file${files.length === 1 ? "" : "s"} changed`;
  const title = `${branch ? inline(branch, 80) : "(detached)"} @ ${commit.slice(0, 12)}: ${count}, +${ins} -${del}`;
  const lines = [title];
  // Room is kept for the last line, which says how many files were left out.
  let room = MAX_SUMMARY - title.length - 40;
  let shown = 0;
  for (const f of files.slice(0, SUMMARY_FILES)) {
    const line = ` ${inline(f.path, 100)} | +${f.insertions} -${f.deletions}`;
    if (line.length + 1 > room) break;
    lines.push(line);
    room -= line.length + 1;
    shown++;
  }
  if (shown < files.length) lines.push(` … and ${files.length - shown} more`);
  return lines.join("\n");
}

function checkTaskId(taskId: string): string {
  if (!TASK_ID.test(taskId))
    throw new Refused({
      reason: `${inline(JSON.stringify(taskId), 80)} is not a task id (letters, digits and . _ : -)`,
    });
  return taskId;
}

/** A task id as one ref component and one folder name: `.` and `:` escaped, which task ids never hold as `%`. */
const encodeId = (taskId: string) => taskId.replaceAll("%", "%25").replaceAll(".", "%2E").replaceAll(":", "%3A");

function idOfFolder(name: string): string | undefined {
  const id = name.replaceAll("%2E", ".").replaceAll("%3A", ":");
  return TASK_ID.test(id) && encodeId(id) === name ? id : undefined;
}

function idOfBranch(branch: string): string | undefined {
  return branch.startsWith("exarp/") ? idOfFolder(branch.slice("exarp/".length)) : undefined;
}

/** A path with symbolic links resolved when it exists (git prints real paths; temp folders are often links). */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

type GitOutcome = { code: number | null; stdout: string; stderr: string };

/** Variables that would point git at another repository or index than the one asked. */
const REDIRECTING = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_COMMON_DIR",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
];

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
  for (const key of REDIRECTING) delete env[key];
  return env;
}

/** Runs git in `cwd`; resolves with its exit code (null: timed out or could not start), never rejects. */
function gitResult(cwd: string, args: string[], timeoutMs = TIMEOUT_MS, input?: string): Promise<GitOutcome> {
  return new Promise((done) => {
    const child = execFile(
      "git",
      args,
      { cwd, env: gitEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        const why = error && code === null ? `${error.message}\n` : "";
        done({ code: error?.killed ? null : code, stdout, stderr: `${why}${stderr}` });
      },
    );
    // A git that exits before reading its input (a refusal) closes the pipe: that is its answer, not an error.
    child.stdin?.on("error", () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

/** Runs git in `cwd`; its stdout, or GitFailed. */
async function git(cwd: string, args: string[], timeoutMs = TIMEOUT_MS, input?: string): Promise<string> {
  const r = await gitResult(cwd, args, timeoutMs, input);
  if (r.code !== 0) throw failure(cwd, args, r);
  return r.stdout;
}

function failure(cwd: string, args: string[], r: GitOutcome) {
  const shown = args.filter((a, i) => a !== "-c" && args[i - 1] !== "-c");
  return new GitFailed({
    command: inline(`git ${shown.join(" ")}`, 300),
    cwd,
    exitCode: r.code,
    stderr: inline(r.stderr, MAX_STDERR),
  });
}
