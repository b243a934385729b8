// Runner mode decided from the runners' record, as a pure function; and the runner's own-task context.
import type { RunnerTaskState } from "exarp";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstUnsafe } from "../../exarp/src/text/safe.ts";
import { modeRules, sessionMode } from "./runner-mode.ts";
import { RUNNER_HEADING, runnerContext } from "./runner-text.ts";

const state = (over: Partial<RunnerTaskState> = {}): RunnerTaskState => ({
  runner: "agent:runner",
  taskId: "T-1",
  session: "ses_r",
  attempt: 1,
  state: "running",
  worktree: null,
  branch: null,
  startedAt: 0,
  endedAt: null,
  error: null,
  retryAt: null,
  failures: 0,
  ...over,
});

describe("the session mode", () => {
  it("is the runner's for the session the runner started, acting as the lease holder with that session", () => {
    const mode = sessionMode({ id: "ses_r" }, state({ runner: "agent:night-shift" }));
    expect(mode).toEqual({ kind: "runner", taskId: "T-1", actor: { name: "agent:night-shift", session: "ses_r" } });
    expect(modeRules(mode)).toEqual({
      betweenTurns: false,
      otherWork: false,
      handIn: "runner",
      startRunner: false,
    });
  });

  it("is normal when not asked yet, when not a runner's, for a sub-agent, and for another session's record", () => {
    expect(sessionMode({ id: "ses_r" }, undefined).kind).toBe("normal");
    expect(sessionMode({ id: "ses_r" }, null).kind).toBe("normal");
    expect(sessionMode({ id: "ses_r", parentID: "ses_p" }, state()).kind).toBe("normal");
    expect(sessionMode({ id: "ses_other" }, state()).kind).toBe("normal");
    expect(modeRules({ kind: "normal" })).toEqual({
      betweenTurns: true,
      otherWork: true,
      handIn: "tools",
      startRunner: true,
    });
  });

  it("is a runner's exactly when the record names this session and the session has no parent (any input)", () => {
    const ids = fc.constantFrom("ses_a", "ses_b", "ses_c");
    fc.assert(
      fc.property(
        ids,
        fc.option(ids, { nil: undefined }),
        fc.option(fc.record({ session: ids, taskId: fc.string({ minLength: 1 }), runner: fc.string() }), {
          nil: undefined,
        }),
        (id, parentID, record) => {
          const mode = sessionMode({ id, parentID }, record ? state(record) : record);
          const runner = !parentID && record?.session === id;
          expect(mode.kind).toBe(runner ? "runner" : "normal");
          if (mode.kind === "runner") expect(mode.actor).toEqual({ name: record?.runner, session: id });
          expect(modeRules(mode).startRunner).toBe(!runner);
          expect(modeRules(mode).betweenTurns).toBe(!runner);
        },
      ),
    );
  });
});

describe("a runner session's context", () => {
  const view = {
    taskId: "T-1",
    line: "T-1 [in progress] [high] Fix the parser",
    status: "in_progress",
    dependents: Array.from({ length: 60 }, (_, i) => `T-${i + 2}`),
    lease: { token: 7, holder: "agent:runner", expiresAt: Date.UTC(2026, 11, 2, 15, 42) },
  };

  it("names its task, its lease, what waits on it and how to hand it in, and nothing else", () => {
    expect(runnerContext(view).split("\n")).toEqual([
      RUNNER_HEADING,
      "task: T-1 [in progress] [high] Fix the parser",
      "lease: #7, held by agent:runner for this session until 15:42 UTC (renewed while you work)",
      `waiting on it: ${view.dependents.slice(0, 51).join(", ")} +9 more`,
      "Hand in: when you are done, end your turn with a short summary of what you changed and how you checked it (or why you could not finish): the runner records it on the task and sends the task to a person for review. Do not move the task yourself.",
    ]);
    expect(runnerContext(view)).not.toMatch(/ready|exarp_/);
  });

  it("says to stop once the task is handed in, gone, or without a lease", () => {
    const handedIn = runnerContext({ ...view, status: "review", line: "T-1 [review]", lease: undefined });
    expect(handedIn).toContain("lease: none");
    expect(handedIn.split("\n").at(-1)).toBe("It is review: your work here is over. Stop.");
    expect(runnerContext({ taskId: "T-1", dependents: [] })).toBe(
      `${RUNNER_HEADING}\ntask T-1 no longer exists. Stop.`,
    );
    expect(runnerContext({ ...view, dependents: [] })).toContain("\nnothing waits on it.\n");
  });

  it("stays within 2 KB and neutralises every field, whatever the ids and the holder hold", () => {
    const text = fc.string({ unit: "binary", maxLength: 3000 });
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 200 }), text, (id, dependents, holder) => {
        const out = runnerContext({ ...view, taskId: id, dependents, lease: { ...view.lease, holder } });
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2048);
        expect(firstUnsafe(out, true)).toBeUndefined();
      }),
    );
  });
});
