import type { Services } from "../app/exarp.ts";
import { mainBranch, prepareWorktree, runnerBranches, type Worktree } from "../runner/worktree.ts";
import { planBase } from "../runner/worktree-policy.ts";
import type { TaskDetail } from "../task/task.ts";

/**
 * A task's worktree prepared by the base policy: from the main branch, with its done blockers'
 * unmerged runner branches merged in (in their order), so a dependent task is never built without
 * its blockers' work. Refuses when the repository has no branch checked out or a blocker is not done.
 */
export async function worktreeFor(repo: string, task: TaskDetail, services: Services): Promise<Worktree> {
  const main = await mainBranch(repo);
  if (!main) throw new Error(`${repo} has a detached HEAD: check out the main branch before running with --worktree`);
  const branches = new Map((await runnerBranches(repo, main)).map((b) => [b.taskId, b]));
  const blockers = task.dependsOn.map((id) => {
    const blocker = services.tasks.find(id);
    const branch = branches.get(id);
    return {
      taskId: id,
      status: blocker?.status ?? "cancelled",
      branch: branch?.branch ?? null,
      mergedIntoMain: branch?.mergedIntoMain ?? true,
      dependsOn: blocker ? services.tasks.get(id).dependsOn.filter((d) => task.dependsOn.includes(d)) : [],
    };
  });
  const base = planBase({ main, blockers });
  if (!base.ok) throw new Error(base.reason);
  return prepareWorktree({ repo, taskId: task.id, base });
}
