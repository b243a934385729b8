// The sprint service on a real store with a clock the test moves: days of velocity, stale leases at
// the threshold, and one open sprint at a time across two connections (each keeps its own reading of
// the log and must still see the other's sprints).
import { afterEach, describe, expect, it } from "vitest";
import { testExarp, testStore } from "../../test/support/exarp.ts";
import { createExarp } from "../app/exarp.ts";

const HOUR = 60 * 60_000;
const ANA = { name: "user:ana", session: null };
const BUILD = { name: "agent:build", session: "s1" };

const open: { close(): void }[] = [];
afterEach(() => {
  for (const e of open.splice(0)) e.close();
});

function project() {
  const t = testExarp({ actor: ANA });
  open.push(t.exarp);
  const ana = t.exarp;
  const build = t.exarp.as(BUILD);
  const a = ana.tasks.create({ title: "a", tags: ["s"], estimate: 90 });
  const b = ana.tasks.create({ title: "b", tags: ["s"], estimate: 30, dependsOn: [a.id] });
  const c = ana.tasks.create({ title: "c", tags: ["s"] });
  return { ...t, ana, build, a: a.id, b: b.id, c: c.id };
}

describe("sprint service", () => {
  it("velocity is per day begun; cycle time runs from the first move to in progress to the approval", () => {
    const p = project();
    p.ana.sprints.start({ name: "s1", tag: "s" });
    p.clock.advance(HOUR);
    p.build.leases.claim({ taskId: p.a, ttlMs: 24 * HOUR });
    for (const _ of [1, 2]) {
      p.clock.advance(20 * HOUR);
      p.build.leases.renew({ taskId: p.a, ttlMs: 24 * HOUR });
    }
    p.clock.advance(8 * HOUR);
    p.build.tasks.setStatus({ id: p.a, to: "review" });
    p.clock.advance(12 * HOUR);
    p.ana.approvals.approve({ taskId: p.a });
    const r = p.ana.sprints.report();
    expect(r.done.map((d) => [d.taskId, d.cycleTimeMs])).toEqual([[p.a, 60 * HOUR]]);
    // 61 hours into the sprint: its third day.
    expect(r.velocity).toEqual({ minutes: 90, unestimated: 0, days: 3, perDay: 30 });
    expect(r.criticalPath).toEqual({ tasks: [p.b], total: 30, outside: [] });
    p.ana.sprints.end();
    p.clock.advance(10 * 24 * HOUR);
    expect(p.ana.sprints.report().velocity.days).toBe(3);
  });

  it("a lease not renewed for the threshold is stale, an expired one too; a renewal makes it fresh", () => {
    const p = project();
    p.ana.sprints.start({ name: "s1", taskIds: [p.a, p.c] });
    const lease = p.build.leases.claim({ taskId: p.c, ttlMs: 2 * HOUR });
    if (!lease.acquired) throw new Error("the claim must win");
    p.clock.advance(15 * 60_000 - 1);
    expect(p.ana.sprints.report().staleLeases).toEqual([]);
    p.clock.advance(1);
    expect(p.ana.sprints.report().staleLeases).toMatchObject([{ taskId: p.c, expired: false, idleMs: 15 * 60_000 }]);
    expect(p.ana.sprints.report({ staleAfterMs: 16 * 60_000 }).staleLeases).toEqual([]);
    p.build.leases.renew({ taskId: p.c, ttlMs: 2 * HOUR });
    const renewedAt = p.clock.now();
    expect(p.ana.sprints.report().staleLeases).toEqual([]);
    p.clock.advance(2 * HOUR);
    expect(p.ana.sprints.report().staleLeases).toMatchObject([
      { taskId: p.c, expired: true, renewedAt, idleMs: 2 * HOUR, token: lease.lease.token },
    ]);
  });

  it("one open sprint at a time, whichever connection starts it", () => {
    const p = project();
    const other = createExarp({ store: testStore(p.dir), clock: p.clock, actor: ANA });
    open.push(other);
    expect(p.ana.sprints.list()).toEqual([]);
    other.sprints.start({ name: "s1", taskIds: [p.a] });
    expect(p.ana.sprints.list().map((s) => s.name)).toEqual(["s1"]);
    expect(() => p.ana.sprints.start({ name: "s2", taskIds: [p.b] })).toThrow(/sprint s1 is open/);
    p.ana.sprints.end({ name: "s1" });
    expect(other.sprints.report().state).toBe("ended");
    p.ana.sprints.start({ name: "s2", taskIds: [p.b] });
    expect(() => other.sprints.start({ name: "s3", taskIds: [p.c] })).toThrow(/sprint s2 is open/);
    expect(() => other.sprints.start({ name: "s1", taskIds: [p.c] })).toThrow(/sprint s2 is open/);
    other.sprints.end();
    expect(() => other.sprints.start({ name: "s1", taskIds: [p.c] })).toThrow(/a sprint named s1 was run before/);
    expect(p.ana.sprints.list().map((s) => [s.name, s.endedSeq !== null])).toEqual([
      ["s1", true],
      ["s2", true],
    ]);
  });

  it("a sub-agent reads sprints but starts and ends none", () => {
    const p = project();
    const sub = p.exarp.as({ name: "subagent:explore", session: "s1" });
    expect(() => sub.sprints.start({ name: "s1", tag: "s" })).toThrow(/sub-agent/);
    p.ana.sprints.start({ name: "s1", tag: "s" });
    expect(() => sub.sprints.end()).toThrow(/sub-agent/);
    expect(sub.sprints.report().sprint).toBe("s1");
  });
});
