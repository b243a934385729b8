// The runner sessions working now (`GET /api/runs`), kept by task id. The page reads them again when
// the stream says a session may have started or ended: a runner's own event, or its task's lease
// ending (a lease that expires ends the session with it). Pure but for `loadRuns`.
import type { Api } from "../lib/api.ts";
import type { RunView, StreamEvent } from "../lib/types.ts";

/** True when an event may start or end a runner's session, or change what the panel shows of one. */
export function touchesRuns(event: StreamEvent): boolean {
  return (
    event.type.startsWith("runner.") ||
    event.type === "lease.released" ||
    event.type === "lease.expired" ||
    event.type === "task.deleted" ||
    (event.type === "task.edited" && event.payload.changes.title !== undefined)
  );
}

export async function loadRuns(api: Api): Promise<RunView[]> {
  return (await api.get<{ runs: RunView[] }>("/api/runs")).runs;
}

const SHOWN = ["runner", "title", "session", "attempt", "startedAt", "worktree", "branch"] as const;

const same = (a: RunView, b: RunView) => SHOWN.every((key) => a[key] === b[key]);

/**
 * Makes `runs` the sessions of `next`, keeping the entry of a session that did not change (so what
 * shows it is not redrawn); answers the task ids whose session started, ended or changed.
 */
export function replaceRuns(runs: Map<string, RunView>, next: readonly RunView[]): Set<string> {
  const changed = new Set<string>();
  const incoming = new Map(next.map((r) => [r.taskId, r]));
  for (const id of runs.keys()) if (!incoming.has(id)) changed.add(id);
  for (const [id, run] of incoming) {
    const before = runs.get(id);
    if (!before || !same(before, run)) changed.add(id);
  }
  for (const id of changed) {
    const run = incoming.get(id);
    if (run) runs.set(id, run);
    else runs.delete(id);
  }
  return changed;
}
