import { runnerStream, type StoredEvent, type StoredEventOf } from "../event/catalog.ts";
import type { Queries } from "../store/queries/index.ts";

/** Where one task stands with a runner: its latest attempt, as the runner's own stream records it. */
export type RunnerTaskState = {
  runner: string;
  taskId: string;
  /** The OpenCode session of the latest attempt (null: abandoned before a session was made). */
  session: string | null;
  attempt: number;
  state: "running" | "finished" | "retrying" | "abandoned";
  worktree: string | null;
  branch: string | null;
  /** When the latest attempt started (store clock, ms). */
  startedAt: number;
  /** When it finished, was retried or abandoned. */
  endedAt: number | null;
  /** The error of a retried or abandoned attempt. */
  error: string | null;
  /** When a retried task may start again. */
  retryAt: number | null;
  /** Attempts that failed so far (retried or abandoned). */
  failures: number;
};

type RunnerEvent =
  | StoredEventOf<"runner.session_started">
  | StoredEventOf<"runner.session_finished">
  | StoredEventOf<"runner.session_retried">
  | StoredEventOf<"runner.session_abandoned">;

const isRunnerEvent = (e: StoredEvent): e is RunnerEvent => e.type.startsWith("runner.");

/** Folds runner events (in log order) into each task's latest state; pure, the same live and on replay. */
export function foldRunnerEvents(events: readonly StoredEvent[]): Map<string, RunnerTaskState> {
  const tasks = new Map<string, RunnerTaskState>();
  for (const e of events) {
    if (!isRunnerEvent(e)) continue;
    const p = e.payload;
    const before = tasks.get(p.taskId);
    if (e.type === "runner.session_started") {
      tasks.set(p.taskId, {
        runner: p.runner,
        taskId: p.taskId,
        session: e.payload.session,
        attempt: e.payload.attempt,
        state: "running",
        worktree: e.payload.worktree,
        branch: e.payload.branch,
        startedAt: e.time,
        endedAt: null,
        error: null,
        retryAt: null,
        failures: before?.failures ?? 0,
      });
      continue;
    }
    const base: RunnerTaskState = before ?? {
      runner: p.runner,
      taskId: p.taskId,
      session: null,
      attempt: 0,
      state: "abandoned",
      worktree: null,
      branch: null,
      startedAt: e.time,
      endedAt: null,
      error: null,
      retryAt: null,
      failures: 0,
    };
    if (e.type === "runner.session_finished") tasks.set(p.taskId, { ...base, state: "finished", endedAt: e.time });
    else if (e.type === "runner.session_retried")
      tasks.set(p.taskId, {
        ...base,
        state: "retrying",
        endedAt: e.time,
        error: e.payload.error,
        retryAt: e.payload.retryAt,
        failures: base.failures + 1,
      });
    else
      tasks.set(p.taskId, {
        ...base,
        session: e.payload.session ?? base.session,
        state: "abandoned",
        endedAt: e.time,
        error: e.payload.error,
        failures: base.failures + 1,
      });
  }
  return tasks;
}

/** One runner's state, read from its stream (indexed: never a scan of the whole log). */
export function readRunnerState(store: Pick<Queries, "listEvents">, runner: string): Map<string, RunnerTaskState> {
  return foldRunnerEvents(store.listEvents({ stream: runnerStream(runner) }));
}

/**
 * The runner task an OpenCode session works, if the session is a runner's: the holder of the live
 * lease whose session it is must have started that session for that task, and not have ended it.
 */
export function runnerSessionOf(
  store: Pick<Queries, "listEvents">,
  lease: { agent: string; session: string | null; taskId: string } | undefined,
): RunnerTaskState | undefined {
  if (!lease?.session) return undefined;
  const state = readRunnerState(store, lease.agent).get(lease.taskId);
  return state?.state === "running" && state.session === lease.session ? state : undefined;
}

/** The runner sessions working now: one per live lease whose holder's stream says it is running that task. */
export function runningSessions(
  store: Pick<Queries, "listEvents" | "leases">,
  now: number,
): (RunnerTaskState & { expiresAt: number })[] {
  const live = store.leases().filter((l) => l.expiresAt > now && l.session !== null);
  const byRunner = new Map<string, Map<string, RunnerTaskState>>();
  const out: (RunnerTaskState & { expiresAt: number })[] = [];
  for (const lease of live) {
    let states = byRunner.get(lease.agent);
    if (!states) {
      states = readRunnerState(store, lease.agent);
      byRunner.set(lease.agent, states);
    }
    const state = states.get(lease.taskId);
    if (state?.state === "running" && state.session === lease.session)
      out.push({ ...state, expiresAt: lease.expiresAt });
  }
  return out;
}
