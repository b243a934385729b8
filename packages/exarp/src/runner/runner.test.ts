// The runner's records: its commands (start, finish, retry, abandon) on a real store with an
// injected clock, the fold of its stream, and the runner-session lookup the plugin's runner mode uses.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { runnerStream, type StoredEvent } from "../event/catalog.ts";
import { foldRunnerEvents } from "./state.ts";

const MIN = 60_000;
const RUNNER = "agent:runner";

function setup() {
  const t = testExarp({ leaseTtlMs: 15 * MIN });
  const task = t.exarp.tasks.create({ title: "Schema" });
  const session = (id: string) => t.exarp.as({ name: RUNNER, session: id });
  return { ...t, task, session };
}

const attempt = (n: number) => ({ attempt: n, worktree: null, branch: null });

describe("the runner's commands", () => {
  it("claims for the attempt's session, records the start, and finishes into review with the result", () => {
    const { exarp, task, session } = setup();
    const lease = session("ses_1").runs.start(task.id, attempt(1));
    expect(lease).toMatchObject({ taskId: task.id, agent: RUNNER, session: "ses_1" });
    expect(exarp.tasks.get(task.id).status).toBe("in_progress");
    expect(exarp.runs.sessionOf("ses_1")).toMatchObject({ taskId: task.id, state: "running", attempt: 1 });
    expect(exarp.runs.running().map((r) => r.session)).toEqual(["ses_1"]);

    const done = session("ses_1").runs.finish(task.id, "Result: tables made");
    expect(done.status).toBe("review");
    expect(done.comments.at(-1)).toMatchObject({ body: "Result: tables made", author: RUNNER });
    expect(exarp.leases.list()).toEqual([]);
    expect(exarp.approvals.pending().map((a) => a.taskId)).toEqual([task.id]);
    expect(exarp.runs.sessionOf("ses_1")).toBeUndefined();
    expect(exarp.runs.of(RUNNER)).toMatchObject([{ taskId: task.id, state: "finished", session: "ses_1" }]);
  });

  it("moves its lease to a retry's new session in one command, and never takes someone else's", () => {
    const { exarp, task, session, clock } = setup();
    session("ses_1").runs.start(task.id, attempt(1));
    session("ses_1").runs.retry(task.id, { attempt: 1, error: "HTTP 500", retryAt: clock.now() + 1000 });
    expect(exarp.runs.of(RUNNER)[0]).toMatchObject({ state: "retrying", failures: 1, error: "HTTP 500" });
    // Still the runner's while it waits.
    expect(exarp.leases.list()).toMatchObject([{ agent: RUNNER, session: "ses_1" }]);
    session("ses_2").runs.start(task.id, attempt(2));
    expect(exarp.leases.list()).toMatchObject([{ agent: RUNNER, session: "ses_2" }]);
    expect(exarp.runs.sessionOf("ses_1")).toBeUndefined();
    expect(exarp.runs.sessionOf("ses_2")).toMatchObject({ attempt: 2, failures: 1 });

    const other = setup();
    other.exarp.as({ name: "agent:build", session: "x" }).leases.claim({ taskId: other.task.id });
    const refused = failure(() => other.session("ses_9").runs.start(other.task.id, attempt(1)));
    expect(refused.name).toBe("LeaseConflict");
    expect(other.exarp.runs.of(RUNNER)).toEqual([]);
  });

  it("abandons: the error as a comment, the task blocked, the lease released; not undoable", () => {
    const { exarp, task, session } = setup();
    session("ses_1").runs.start(task.id, attempt(1));
    const blocked = session("ses_1").runs.abandon(task.id, "HTTP 400 (after 3 attempts)");
    expect(blocked.status).toBe("blocked");
    expect(blocked.comments.at(-1)?.body).toContain("HTTP 400 (after 3 attempts)");
    expect(exarp.leases.list()).toEqual([]);
    expect(exarp.runs.of(RUNNER)[0]).toMatchObject({ state: "abandoned", failures: 1 });
    const undo = failure(() => session("ses_1").history.undo());
    expect(undo.message).toContain("runner records are not undone");
  });

  it("refuses a person, a sub-agent and a runner without a session", () => {
    const { exarp, task } = setup();
    for (const actor of [
      { name: "subagent:x", session: "s" },
      { name: RUNNER, session: null },
    ])
      expect(() => exarp.as(actor).runs.start(task.id, attempt(1))).toThrow();
  });
});

describe("foldRunnerEvents", () => {
  const kinds = [
    "runner.session_started",
    "runner.session_finished",
    "runner.session_retried",
    "runner.session_abandoned",
  ] as const;
  const eventOf = (type: (typeof kinds)[number], seq: number, taskId: string, n: number): StoredEvent => {
    const base = { runner: RUNNER, taskId };
    const payload =
      type === "runner.session_started"
        ? { ...base, session: `s${n}`, attempt: n, worktree: null, branch: null }
        : type === "runner.session_retried"
          ? { ...base, session: `s${n}`, attempt: n, error: "e", retryAt: seq }
          : type === "runner.session_abandoned"
            ? { ...base, session: null, error: "e" }
            : { ...base, session: `s${n}` };
    return {
      seq,
      type,
      payload,
      time: seq * 1000,
      actor: RUNNER,
      session: null,
      origin: "o",
      command: seq,
      undoes: null,
      stream: runnerStream(RUNNER),
      prevHash: "",
      hash: "",
    } as unknown as StoredEvent;
  };

  it("keeps each task's latest attempt: its state is the last event's, failures count every failed one", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...kinds), fc.constantFrom("T-a", "T-b"), fc.nat(5))), (steps) => {
        const events = steps.map(([type, taskId, n], i) => eventOf(type, i + 1, taskId, n + 1));
        const folded = foldRunnerEvents(events);
        for (const taskId of ["T-a", "T-b"]) {
          const mine = events.filter((e) => (e.payload as { taskId: string }).taskId === taskId);
          const last = mine.at(-1);
          if (!last) {
            expect(folded.has(taskId)).toBe(false);
            continue;
          }
          const state = folded.get(taskId);
          const expected = { started: "running", finished: "finished", retried: "retrying", abandoned: "abandoned" };
          expect(state?.state).toBe(expected[last.type.slice("runner.session_".length) as keyof typeof expected]);
          const failed = mine.filter(
            (e) => e.type === "runner.session_retried" || e.type === "runner.session_abandoned",
          );
          expect(state?.failures).toBe(failed.length);
          const started = mine.filter((e) => e.type === "runner.session_started").at(-1);
          if (started) expect(state?.attempt).toBe((started.payload as { attempt: number }).attempt);
        }
      }),
    );
  });
});
