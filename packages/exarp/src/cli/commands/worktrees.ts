import { relative } from "node:path";
import {
  listWorktrees,
  mainBranch,
  type RunnerWorktree,
  removeWorktree,
  repoRoot,
  runnerBranches,
} from "../../runner/worktree.ts";
import type { Status } from "../../task/task.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, str, UsageError } from "../command.ts";
import { errorLine } from "../exit-codes.ts";
import { statusLabel, table } from "../render.ts";

/** A worktree's task status; null when the project has no such task. */
type Row = RunnerWorktree & { status: Status | null };

/** What prune does with one worktree or branch, and why. */
type Step = { taskId: string; status: Status | null; action: "remove" | "keep" | "delete-branch"; reason: string };

/** Worktrees of finished tasks go; those of work still open, or holding uncommitted changes, stay. */
function decide(row: Row, force: boolean): Step {
  const { taskId, status } = row;
  if (status !== null && status !== "done" && status !== "cancelled")
    return { taskId, status, action: "keep", reason: statusLabel(status) };
  if (row.dirty && !force) return { taskId, status, action: "keep", reason: "uncommitted changes (--force removes)" };
  return { taskId, status, action: "remove", reason: status === null ? "no such task" : statusLabel(status) };
}

const label = (status: Status | null) => (status ? statusLabel(status) : "unknown");

/** `exarp worktrees [--prune [--dry-run] [--force]]`. */
export const worktrees: CliRun = async (ctx) => {
  const v = ctx.values;
  const prune = v.prune === true;
  if (!prune && (v["dry-run"] || v.force)) throw new UsageError("--dry-run and --force go with --prune");
  const repo = await repoRoot(ctx.root());
  const exarp = ctx.exarp();
  const statusOf = (taskId: string) => exarp.tasks.find(taskId)?.status ?? null;
  const rows: Row[] = (await listWorktrees(repo)).map((w) => ({ ...w, status: statusOf(w.taskId) }));
  const shown = (w: RunnerWorktree) => inline(relative(repo, w.path), 120);
  const listing =
    rows.length === 0
      ? "no runner worktrees"
      : table(
          ["TASK", "STATUS", "BRANCH", "PATH"],
          rows.map((w) => [
            inline(w.taskId),
            label(w.status),
            inline(w.branch ?? "(detached)", 80),
            `${shown(w)}${w.dirty ? "  (uncommitted changes)" : ""}${w.prunable ? "  (folder gone)" : ""}`,
          ]),
        );
  if (!prune) return { data: { worktrees: rows }, text: listing };

  const main = str(v, "main") ?? (await mainBranch(repo));
  if (!main) throw new UsageError("the repository's HEAD is detached: name the main branch with --main BRANCH");
  const dryRun = v["dry-run"] === true;
  const steps = rows.map((row) => decide(row, v.force === true));
  const kept = new Set(steps.filter((s) => s.action === "keep").map((s) => s.taskId));
  const branches = (await runnerBranches(repo, main)).filter(
    (b) => b.mergedIntoMain && !kept.has(b.taskId) && statusOf(b.taskId) === "done",
  );
  const branchSteps: (Step & { branch: string })[] = branches.map((b) => ({
    taskId: b.taskId,
    status: "done",
    action: "delete-branch",
    reason: `done, merged into ${main}`,
    branch: b.branch,
  }));
  const failures: string[] = [];
  if (!dryRun) {
    const attempt = async (what: () => Promise<unknown>) => {
      try {
        await what();
      } catch (error) {
        failures.push(errorLine(error));
      }
    };
    for (const s of steps) if (s.action === "remove") await attempt(() => removeWorktree(repo, s.taskId));
    for (const b of branchSteps) await attempt(() => removeWorktree(repo, b.taskId, { deleteBranch: true }));
  }
  const verb = (did: string, would: string) => (dryRun ? would : did);
  const lines = [
    ...steps.map((s) =>
      s.action === "remove"
        ? `${verb("removed", "would remove")} worktree of ${inline(s.taskId)} (${s.reason})`
        : `kept worktree of ${inline(s.taskId)} (${s.reason})`,
    ),
    ...branchSteps.map((b) => `${verb("deleted", "would delete")} branch ${inline(b.branch)} (${b.reason})`),
    ...failures,
  ];
  return {
    data: { worktrees: rows, main, dryRun, steps: [...steps, ...branchSteps], failures },
    text: lines.length ? lines.join("\n") : "nothing to prune",
    exitCode: failures.length ? 1 : 0,
  };
};
