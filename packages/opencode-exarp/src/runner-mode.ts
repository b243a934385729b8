// Runner mode: a session that `exarp run` made for one task. The runner created it, recorded it in its
// stream and claimed the task with that session as the lease's session, all before its first prompt;
// so the first prompt is the moment to ask, once, and the answer holds for the session's life.
import type { Actor, RunnerTaskState } from "exarp";

/** How the plugin treats one session: as the user's (normal), or as a runner's working one task. */
export type SessionMode = { kind: "normal" } | { kind: "runner"; taskId: string; actor: Actor };

const NORMAL: SessionMode = { kind: "normal" };

/**
 * The mode of a session, from what the runners' record said about it (`runs.sessionOf`; null: asked,
 * not a runner's; undefined: not asked yet). A sub-agent a runner session starts stays a sub-agent.
 */
export function sessionMode(
  session: { id: string; parentID?: string },
  runner: RunnerTaskState | null | undefined,
): SessionMode {
  if (session.parentID || !runner || runner.session !== session.id) return NORMAL;
  return { kind: "runner", taskId: runner.taskId, actor: { name: runner.runner, session: session.id } };
}

/** What a session in each mode gets from the plugin. */
export type ModeRules = {
  /**
   * Whether the plugin adds to the session between its turns: the next task offered when it finished
   * one, notes (a person's decision, a lease running out), its own compaction at 80 %. A runner's
   * session gets none of them: its messages are the runner's, which reads the last one as the result.
   */
  betweenTurns: boolean;
  /** May look at the ready queue and claim tasks other than its own. */
  otherWork: boolean;
  /** Who moves the session's task and releases its lease: the session's tools, or the runner. */
  handIn: "tools" | "runner";
  /** May start a runner (a runner's session never starts another). */
  startRunner: boolean;
};

const RULES: Record<SessionMode["kind"], ModeRules> = {
  normal: { betweenTurns: true, otherWork: true, handIn: "tools", startRunner: true },
  runner: { betweenTurns: false, otherWork: false, handIn: "runner", startRunner: false },
};

/** The rules of a mode. */
export function modeRules(mode: SessionMode): ModeRules {
  return RULES[mode.kind];
}
