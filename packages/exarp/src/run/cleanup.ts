import type { Exarp } from "../app/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { listWorktrees, removeWorktree } from "../runner/worktree.ts";
import type { OpenCodeClient } from "./opencode.ts";

const finishedNow = (events: readonly StoredEvent[]) =>
  events.flatMap((e) =>
    e.type === "task.status_changed" && (e.payload.to === "done" || e.payload.to === "cancelled")
      ? [e.payload.taskId]
      : [],
  );

/**
 * Tasks this runner finished that a person approved (or cancelled) in `events`: their worktrees and
 * OpenCode sessions go, their branches stay for whoever merges them. Answers the tasks cleaned.
 */
export async function cleanUpFinished(
  events: readonly StoredEvent[],
  o: { exarp: Exarp; identity: string; root: string; opencode: OpenCodeClient },
): Promise<string[]> {
  const ids = finishedNow(events);
  if (!ids.length) return [];
  const states = new Map(o.exarp.runs.of(o.identity).map((s) => [s.taskId, s]));
  const cleaned: string[] = [];
  for (const taskId of ids) {
    const state = states.get(taskId);
    if (state?.state !== "finished") continue;
    if (state.worktree) await removeWorktree(o.root, taskId);
    if (state.session) await o.opencode.deleteSession(state.worktree ?? o.root, state.session).catch(() => undefined);
    cleaned.push(taskId);
  }
  return cleaned;
}

/** Worktrees left by tasks that were approved or cancelled while no runner watched. */
export async function removeLeftoverWorktrees(exarp: Exarp, root: string, working: (taskId: string) => boolean) {
  for (const w of await listWorktrees(root)) {
    const status = exarp.tasks.find(w.taskId)?.status;
    if ((status === "done" || status === "cancelled") && !working(w.taskId)) await removeWorktree(root, w.taskId);
  }
}
