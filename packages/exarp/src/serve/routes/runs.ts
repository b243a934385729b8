// The runner's sessions (`exarp run`): which OpenCode session works which task now, read from the
// runners' own event streams, for the dashboard's Running panel.
import type { Services } from "../../app/exarp.ts";
import { ok, type Route } from "../route.ts";

export const runRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/runs",
    scope: "viewer",
    run: ({ services }) => ok({ runs: runningSessions(services) }),
  },
];

/** One running session as `GET /api/runs` answers it (the dashboard's type too). */
export type RunView = ReturnType<typeof runningSessions>[number];

/** The sessions working now, each with its task's title (empty when the task is gone), oldest first. */
function runningSessions(services: Services) {
  return services.runs
    .running()
    .sort((a, b) => a.startedAt - b.startedAt || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0))
    .map((r) => ({
      runner: r.runner,
      taskId: r.taskId,
      title: services.tasks.find(r.taskId)?.title ?? "",
      session: r.session,
      attempt: r.attempt,
      startedAt: r.startedAt,
      expiresAt: r.expiresAt,
      worktree: r.worktree,
      branch: r.branch,
    }));
}
