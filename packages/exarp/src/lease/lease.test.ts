// Leases with an injected clock: no sleeping. Runs under Node and Bun.
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";

const MIN = 60_000;

function setup() {
  const t = testExarp({ leaseTtlMs: 15 * MIN });
  const a = t.exarp.as({ name: "agent:a", session: "s1" });
  const b = t.exarp.as({ name: "agent:b", session: "s2" });
  return { ...t, a, b };
}

describe("leases", () => {
  it("grants one holder, tells others who holds it, renews for the holder, and starts the task", () => {
    const { exarp, a, b, clock } = setup();
    const task = exarp.tasks.create({ title: "x" });
    const first = a.leases.claim({ taskId: task.id });
    expect(first).toMatchObject({
      acquired: true,
      renewed: false,
      lease: { agent: "agent:a", session: "s1", expiresAt: clock.now() + 15 * MIN },
    });
    expect(exarp.tasks.get(task.id).status).toBe("in_progress");
    expect(b.leases.claim({ taskId: task.id })).toEqual({ acquired: false, holder: first.acquired && first.lease });
    clock.advance(MIN);
    const again = a.leases.claim({ taskId: task.id, ttlMs: 5 * MIN });
    expect(again).toMatchObject({
      acquired: true,
      renewed: true,
      lease: { token: first.acquired && first.lease.token, expiresAt: clock.now() + 5 * MIN },
    });
    // Same agent, other session: a different holder.
    expect(exarp.as({ name: "agent:a", session: "s9" }).leases.claim({ taskId: task.id }).acquired).toBe(false);
  });

  it("refuses tasks that are not ready or not claimable", () => {
    const { exarp, a } = setup();
    const blocker = exarp.tasks.create({ title: "first" });
    const later = exarp.tasks.create({ title: "second", dependsOn: [blocker.id] });
    expect(failure(() => a.leases.claim({ taskId: later.id })).message).toBe(
      `${later.id} is not ready: it waits for ${blocker.id}`,
    );
    exarp.tasks.setStatus({ id: blocker.id, to: "cancelled" });
    expect(failure(() => a.leases.claim({ taskId: blocker.id })).message).toBe(
      `${blocker.id} is cancelled; only todo or in-progress tasks can be claimed`,
    );
    expect(a.leases.claim({ taskId: later.id }).acquired).toBe(true);
    expect(failure(() => a.leases.claim({ taskId: "T-none" })).name).toBe("NotFound");
    expect(failure(() => a.leases.claim({ taskId: later.id, ttlMs: 10 })).message).toMatch(/ttl must be at least 1 s/);
  });

  it("expires: the sweep returns the task, and the old holder's token is refused everywhere", () => {
    const { exarp, a, b, clock, store } = setup();
    const task = exarp.tasks.create({ title: "x" });
    const old = a.leases.claim({ taskId: task.id });
    if (!old.acquired) throw new Error("claim failed");
    clock.advance(15 * MIN + 1);
    expect(exarp.leases.list()).toMatchObject([{ taskId: task.id, live: false }]);
    expect(exarp.leases.sweep().map((l) => l.token)).toEqual([old.lease.token]);
    expect(exarp.tasks.get(task.id).status).toBe("todo");
    expect(store.listEvents({ after: store.maxSeq() - 2 }).map((e) => e.type)).toEqual([
      "lease.expired",
      "task.status_changed",
    ]);
    expect(exarp.leases.sweep()).toEqual([]);
    const stale = failure(() => a.tasks.edit({ id: task.id, title: "mine", lease: old.lease.token }));
    expect(stale.name).toBe("StaleLease");
    const taken = b.leases.claim({ taskId: task.id });
    if (!taken.acquired) throw new Error("claim failed");
    expect(taken.lease.token).toBeGreaterThan(old.lease.token);
    for (const write of [
      () => a.tasks.edit({ id: task.id, title: "mine", lease: old.lease.token }),
      () => a.tasks.setStatus({ id: task.id, to: "review", lease: old.lease.token }),
      () =>
        a.tasks.addDependency({
          taskId: task.id,
          blockerId: exarp.tasks.create({ title: "y" }).id,
          lease: old.lease.token,
        }),
    ]) {
      const error = failure(write);
      expect(error.name).toBe("StaleLease");
      expect(error.message).toBe(
        `your lease #${old.lease.token} on ${task.id} is no longer valid (lease #${taken.lease.token} holds it now); claim the task again`,
      );
    }
    expect(failure(() => a.tasks.edit({ id: task.id, title: "mine" })).name).toBe("LeaseConflict");
    expect(b.tasks.edit({ id: task.id, title: "theirs", lease: taken.lease.token }).title).toBe("theirs");
  });

  it("a claim on an expired, unswept lease ends it and grants a new token", () => {
    const { exarp, a, b, clock } = setup();
    const task = exarp.tasks.create({ title: "x" });
    const old = a.leases.claim({ taskId: task.id });
    clock.advance(16 * MIN);
    const next = b.leases.claim({ taskId: task.id });
    expect(next.acquired && old.acquired && next.lease.token > old.lease.token).toBe(true);
    expect(exarp.tasks.get(task.id).status).toBe("in_progress");
    // The claim first persisted the sweep, as a command of its own, then granted the new lease.
    const tail = exarp.history.list({ taskId: task.id }).slice(-4);
    expect(tail.map((e) => [e.type, e.type === "task.status_changed" ? e.payload.to : ""])).toEqual([
      ["lease.expired", ""],
      ["task.status_changed", "todo"],
      ["lease.acquired", ""],
      ["task.status_changed", "in_progress"],
    ]);
    expect(tail[0]?.command).toBe(tail[0]?.seq);
    expect(tail[2]?.command).toBe(tail[2]?.seq);
  });

  it("reads show an expired lease as swept before any write persists it", () => {
    const { exarp, a, b, clock, store } = setup();
    const blocker = exarp.tasks.create({ title: "first", priority: "low" });
    const later = exarp.tasks.create({ title: "second", dependsOn: [blocker.id] });
    const other = exarp.tasks.create({ title: "other", priority: "high" });
    a.leases.claim({ taskId: blocker.id });
    const held = exarp.tasks.get(blocker.id);
    clock.advance(15 * MIN + 1);
    const head = store.maxSeq();
    // Every read agrees: the task is todo (one version on), ready again, counted as todo; nothing written.
    expect(exarp.tasks.get(blocker.id)).toMatchObject({ status: "todo", version: held.version + 1 });
    expect(exarp.tasks.list({ status: ["todo"] }).map((t) => t.id)).toEqual([other.id, later.id, blocker.id]);
    expect(exarp.tasks.list({ status: ["in_progress"] })).toEqual([]);
    expect(b.graph.ready().map((t) => t.id)).toEqual([other.id, blocker.id]);
    expect(exarp.tasks.countByStatus()).toMatchObject({ todo: 3, in_progress: 0 });
    expect(exarp.graph.plan().waves[0]).toEqual(expect.arrayContaining([blocker.id, other.id]));
    expect(b.context.data().ready.map((t) => t.id)).toEqual([other.id, blocker.id]);
    expect(store.maxSeq()).toBe(head);
    // The next write persists the sweep first, so it decides on what the reads showed.
    const started = b.tasks.setStatus({ id: blocker.id, to: "in_progress", expectedVersion: held.version + 1 });
    expect(started.status).toBe("in_progress");
    expect(b.history.undo().undone.map((e) => e.type)).toEqual(["task.status_changed"]);
  });

  it("moving to review, done, cancelled or todo releases the lease; renew and release are for the holder", () => {
    const { exarp, a, b } = setup();
    const task = exarp.tasks.create({ title: "x" });
    a.leases.claim({ taskId: task.id });
    expect(failure(() => b.leases.renew({ taskId: task.id })).name).toBe("LeaseConflict");
    expect(failure(() => b.leases.release({ taskId: task.id })).name).toBe("LeaseConflict");
    a.tasks.setStatus({ id: task.id, to: "review" });
    expect(exarp.leases.list()).toEqual([]);
    expect(failure(() => a.leases.renew({ taskId: task.id })).name).toBe("StaleLease");
    const other = exarp.tasks.create({ title: "y" });
    a.leases.claim({ taskId: other.id });
    b.leases.release({ taskId: other.id, force: true });
    expect(exarp.history.list({ taskId: other.id }).at(-1)?.payload).toMatchObject({ reason: "forced" });
    expect(failure(() => a.leases.release({ taskId: other.id })).message).toBe(`${other.id} is not leased`);
  });

  it("touch renews the caller's leases only past half their TTL", () => {
    const { exarp, a, clock } = setup();
    const task = exarp.tasks.create({ title: "x" });
    a.leases.claim({ taskId: task.id });
    clock.advance(5 * MIN);
    expect(a.leases.touch()).toEqual([]);
    clock.advance(5 * MIN);
    expect(a.leases.touch().map((l) => l.expiresAt)).toEqual([clock.now() + 15 * MIN]);
    expect(exarp.leases.touch()).toEqual([]);
  });

  it("ready, next and ready-and-claim never hand out a task someone holds", () => {
    const { exarp, a, b } = setup();
    const one = exarp.tasks.create({ title: "one", priority: "high" });
    const two = exarp.tasks.create({ title: "two", tags: ["db"] });
    const first = a.leases.claimNext();
    expect(first).toMatchObject({ acquired: true, task: { id: one.id } });
    expect(b.graph.ready().map((t) => t.id)).toEqual([two.id]);
    expect(b.leases.claimNext({ can: ["ui"] })).toEqual({ acquired: false });
    expect(b.leases.claimNext({ can: ["db"] })).toMatchObject({ acquired: true, task: { id: two.id } });
    expect(exarp.leases.claimNext()).toEqual({ acquired: false });
  });
});
