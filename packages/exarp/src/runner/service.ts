import type { ServiceContext } from "../kernel/context.ts";
import { type RunnerTaskState, readRunnerState, runnerSessionOf, runningSessions } from "./state.ts";

/** Reads of the runners' records: what each runner did, what runs now, and whose task a session works. */
export function createRunsService(ctx: ServiceContext) {
  return {
    /** Each task's latest attempt by one runner identity. */
    of(runner: string): RunnerTaskState[] {
      return [...readRunnerState(ctx.store, runner).values()];
    },
    /** The runner sessions working now (a live lease and a started, unended session). */
    running(): (RunnerTaskState & { expiresAt: number })[] {
      return runningSessions(ctx.store, ctx.clock.now());
    },
    /** The runner task an OpenCode session works, if the session is a runner's (the plugin's runner mode). */
    sessionOf(session: string): RunnerTaskState | undefined {
      const now = ctx.clock.now();
      const lease = ctx.store.leases().find((l) => l.session === session && l.expiresAt > now);
      return runnerSessionOf(ctx.store, lease);
    },
  };
}
