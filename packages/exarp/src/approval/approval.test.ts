// The Review → Done gate, in one process (the cross-process cases are in test/coordination.test.ts).
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";

function inReview() {
  const t = testExarp();
  const agent = t.exarp.as({ name: "agent:build", session: "ses_1" });
  const reviewer = t.exarp.as({ name: "user:ana", session: null });
  const task = t.exarp.tasks.create({ title: "x" });
  agent.leases.claim({ taskId: task.id });
  agent.tasks.setStatus({ id: task.id, to: "review" });
  return { ...t, agent, reviewer, task };
}

describe("approvals", () => {
  it("review opens a request; done is refused without an approval", () => {
    const { exarp, agent, task } = inReview();
    expect(exarp.approvals.pending()).toMatchObject([
      { taskId: task.id, requestedBy: "agent:build", requestedSession: "ses_1", title: "x" },
    ]);
    const error = failure(() => agent.tasks.setStatus({ id: task.id, to: "done" }));
    expect(error.name).toBe("ApprovalRequired");
    expect(error.message).toBe(
      `${task.id} needs a person's approval before it is done (request pending); someone other than whoever asked for the review must approve it`,
    );
  });

  it("done is the one-step approval for a person who did not ask for the review", () => {
    const { exarp, reviewer, task } = inReview();
    expect(reviewer.tasks.setStatus({ id: task.id, to: "done", reason: "ship it" }).status).toBe("done");
    expect(exarp.approvals.latest(task.id)).toMatchObject({
      state: "approved",
      decidedBy: "user:ana",
      reason: "ship it",
    });
    expect(
      exarp.history
        .list({ taskId: task.id })
        .map((e) => e.type)
        .slice(-2),
    ).toEqual(["approval.decided", "task.status_changed"]);
  });

  it("only a person decides, and never on a review they asked for", () => {
    const { exarp, agent, task } = inReview();
    const other = exarp.as({ name: "agent:review", session: "ses_2" });
    expect(failure(() => other.approvals.approve({ taskId: task.id })).message).toBe(
      `agent:review is not a person: only a person (an identity starting with user:) decides on the review of ${task.id}`,
    );
    expect(failure(() => other.approvals.deny({ taskId: task.id, reason: "no" })).name).toBe("Unauthorized");
    const ana = exarp.as({ name: "user:ana", session: null });
    agent.tasks.comment({ taskId: task.id, body: "ready" });
    const reopened = ana.approvals.deny({ taskId: task.id, reason: "add tests" });
    expect(reopened.status).toBe("in_progress");
    // Ana sends it to review herself now: she cannot be the one to approve it.
    ana.tasks.setStatus({ id: task.id, to: "review" });
    const self = failure(() => ana.tasks.setStatus({ id: task.id, to: "done" }));
    expect(self.message).toBe(
      `user:ana asked for the review of ${task.id} and cannot decide on it; any other person (user:…) can`,
    );
    expect(exarp.as({ name: "user:bob", session: null }).tasks.setStatus({ id: task.id, to: "done" }).status).toBe(
      "done",
    );
  });

  it("nobody approves their own request", () => {
    const { agent, exarp, task } = inReview();
    const error = failure(() => agent.approvals.approve({ taskId: task.id }));
    expect(error.name).toBe("Unauthorized");
    expect(
      failure(() => exarp.as({ name: "agent:build", session: "other" }).approvals.approve({ taskId: task.id })).name,
    ).toBe("Unauthorized");
    expect(exarp.tasks.get(task.id).status).toBe("review");
  });

  it("approve moves the task to done and records who decided", () => {
    const { exarp, reviewer, task } = inReview();
    expect(reviewer.approvals.approve({ taskId: task.id, note: "lgtm" }).status).toBe("done");
    expect(exarp.approvals.latest(task.id)).toMatchObject({ state: "approved", decidedBy: "user:ana", reason: "lgtm" });
    expect(exarp.approvals.pending()).toEqual([]);
    expect(failure(() => reviewer.approvals.approve({ taskId: task.id })).message).toBe(
      `${task.id} is done, not in review`,
    );
  });

  it("deny sends the task back to in progress with the reason as a comment", () => {
    const { exarp, reviewer, task } = inReview();
    const denied = reviewer.approvals.deny({ taskId: task.id, reason: "tests are missing" });
    expect(denied.status).toBe("in_progress");
    expect(denied.comments.map((c) => [c.author, c.body])).toEqual([["user:ana", "Review denied: tests are missing"]]);
    expect(exarp.approvals.latest(task.id)).toMatchObject({ state: "denied", reason: "tests are missing" });
    expect(failure(() => reviewer.approvals.deny({ taskId: task.id, reason: " " })).name).toBe("InvalidInput");
  });

  it("leaving review withdraws the request; a waiting caller hears it", async () => {
    const { agent, task } = inReview();
    const waiting = agent.approvals.request({ taskId: task.id, timeoutMs: 5000 });
    agent.tasks.setStatus({ id: task.id, to: "in_progress" });
    await expect(waiting).resolves.toMatchObject({ outcome: "withdrawn", reason: "moved to in progress" });
  });

  it("request() settles on a decision made after it started waiting", async () => {
    const { exarp, agent, reviewer, task } = inReview();
    const waiting = agent.approvals.request({ taskId: task.id, timeoutMs: 5000 });
    setTimeout(() => reviewer.approvals.approve({ taskId: task.id }), 20);
    await expect(waiting).resolves.toEqual({
      outcome: "approved",
      requestId: exarp.approvals.latest(task.id)?.id,
      by: "user:ana",
      reason: null,
    });
  });

  it("a caller can stop waiting: the request stays open and nothing is recorded as a timeout", async () => {
    const { exarp, agent, task, store } = inReview();
    const stop = new AbortController();
    const waiting = agent.approvals.request({ taskId: task.id, timeoutMs: 50 }, { signal: stop.signal });
    stop.abort(new Error("closing"));
    await expect(waiting).rejects.toThrow("closing");
    await new Promise((r) => setTimeout(r, 80));
    expect(exarp.approvals.latest(task.id)?.state).toBe("pending");
    expect(store.listEvents().some((e) => e.type === "approval.timed_out")).toBe(false);
  });

  it("a timeout is recorded as a timeout, not a denial; approving later opens a fresh request", async () => {
    const { exarp, agent, reviewer, task, store } = inReview();
    const outcome = await agent.approvals.request({ taskId: task.id, timeoutMs: 30 });
    expect(outcome).toMatchObject({ outcome: "timeout", by: null });
    expect(store.listEvents({ newestFirst: true, limit: 1 })[0]).toMatchObject({ type: "approval.timed_out" });
    expect(exarp.tasks.get(task.id).status).toBe("review");
    expect(failure(() => agent.approvals.approve({ taskId: task.id })).name).toBe("Unauthorized");
    expect(reviewer.approvals.approve({ taskId: task.id }).status).toBe("done");
  });
});
