// The pure report over generated event logs: tasks moved through the workflow at random times, a
// sprint started (and maybe ended) somewhere among the moves, leases and review requests beside.
// Each field is held to a second, independent reading of the same log.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seed } from "../../test/support/fc-seed.ts";
import type { Approval } from "../approval/approval.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { buildGraph, openBlockers } from "../graph/graph.ts";
import type { Lease } from "../lease/lease.ts";
import { transitions } from "../task/status.ts";
import { isFinished, type Status, type Task } from "../task/task.ts";
import { sprintReport } from "./report.ts";
import { openSprint, sprintsOf } from "./sprint.ts";

const DAY = 24 * 60 * 60_000;
const T0 = Date.UTC(2026, 0, 1);

type Step =
  | { kind: "move"; task: number; forward: boolean; pick: number; dt: number }
  | { kind: "estimate"; task: number; estimate: number | null; dt: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("move" as const),
      task: fc.nat(5),
      // Mostly along the workflow, so tasks reach done, and are reopened and done again.
      forward: fc.boolean().chain((b) => (b ? fc.constant(true) : fc.boolean())),
      pick: fc.nat(5),
      dt: fc.nat(DAY),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("estimate" as const),
      task: fc.nat(5),
      estimate: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }),
      dt: fc.nat(DAY),
    }),
  },
);

const scenario = fc.record({
  n: fc.integer({ min: 1, max: 6 }),
  steps: fc.array(step, { maxLength: 60 }),
  /** Where among the steps the sprint starts and ends (ends only when `end` ≥ `start`). */
  start: fc.nat(60),
  end: fc.option(fc.nat(60), { nil: null }),
  members: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  edges: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 8 }),
  tail: fc.array(step, { maxLength: 10 }),
  nowAfter: fc.nat(3 * DAY),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

const idOf = (i: number) => `T-${i}`;

/** Whole minutes between `min` minutes and `max` ms: equal times (a lease idle exactly the threshold) come up. */
const minutes = (min: number, max: number) => fc.integer({ min, max: max / 60_000 }).map((m) => m * 60_000);

/** The move that takes work ahead (reopening finished work, unblocking blocked work). */
const FORWARD: Record<Status, Status> = {
  todo: "in_progress",
  in_progress: "review",
  review: "done",
  done: "todo",
  blocked: "in_progress",
  cancelled: "todo",
};

/** The log a scenario makes, and the tasks as it leaves them. */
function build(s: Scenario, withTail: boolean) {
  const events: StoredEvent[] = [];
  let time = T0;
  const state = Array.from({ length: s.n }, (_, i) => ({
    id: idOf(i),
    status: "todo" as Status,
    estimate: 30 as number | null,
  }));
  const push = (e: { type: string; payload: unknown }, actor = "user:ana") => {
    const seq = events.length + 1;
    events.push({
      ...e,
      seq,
      time,
      actor,
      session: null,
      origin: "o",
      command: seq,
      undoes: null,
      prevHash: "",
      hash: "",
    } as StoredEvent);
  };
  for (const t of state)
    push({
      type: "task.created",
      payload: {
        task: { ...t, title: t.id, description: "", priority: "medium", tags: [], parentId: null, assignee: null },
      },
    });
  const members = state.filter((_, i) => s.members[i]).map((t) => t.id);
  const taskIds = members.length ? members : [idOf(0)];
  const steps = withTail ? [...s.steps, ...s.tail] : s.steps;
  const end = s.end !== null && s.end >= s.start ? s.end : undefined;
  for (let i = 0; i <= steps.length; i++) {
    if (i === Math.min(s.start, s.steps.length))
      push({ type: "sprint.started", payload: { sprint: "s1", taskIds, tag: null } });
    if (end !== undefined && i === Math.min(Math.max(end, s.start), s.steps.length))
      push({ type: "sprint.ended", payload: { sprint: "s1" } });
    const st = steps[i];
    if (!st) continue;
    time += st.dt;
    const task = state[st.task % s.n] as (typeof state)[number];
    if (st.kind === "estimate") {
      push({
        type: "task.edited",
        payload: { taskId: task.id, changes: { estimate: st.estimate }, previous: { estimate: task.estimate } },
      });
      task.estimate = st.estimate;
    } else {
      const allowed = transitions[task.status];
      const to = st.forward ? FORWARD[task.status] : (allowed[st.pick % allowed.length] as Status);
      push({
        type: "task.status_changed",
        payload: { taskId: task.id, from: task.status, to, ...(to === "blocked" ? { reason: `why ${i}` } : {}) },
      });
      task.status = to;
    }
  }
  return { events, state, taskIds, end: time + s.nowAfter };
}

/** The second reading: the window's last move to done of each task, and (searching backwards) the work it ended. */
function expectedDone(events: readonly StoredEvent[], taskId: string, startSeq: number, until: number) {
  const moves = events.filter(
    (e): e is StoredEvent & { type: "task.status_changed" } =>
      e.type === "task.status_changed" && e.payload.taskId === taskId && e.seq <= until,
  );
  const last = moves.at(-1);
  if (last?.payload.to !== "done" || last.seq <= startSeq) return undefined;
  const k = moves.length - 1;
  let from = k - 1;
  while (from >= 0 && !isFinished((moves[from] as (typeof moves)[number]).payload.to)) from--;
  const begun = moves.slice(from + 1, k).find((m) => m.payload.to === "in_progress");
  const edits = events.filter(
    (e) =>
      e.type === "task.edited" &&
      e.payload.taskId === taskId &&
      e.seq <= until &&
      e.payload.changes.estimate !== undefined,
  );
  const estimate = edits.length
    ? ((edits.at(-1) as StoredEvent & { type: "task.edited" }).payload.changes.estimate ?? null)
    : 30;
  return { doneSeq: last.seq, doneAt: last.time, cycleTimeMs: begun ? last.time - begun.time : null, estimate };
}

function reportOf(
  s: Scenario,
  withTail: boolean,
  extra: { leases?: Lease[]; pending?: Approval[]; staleAfterMs?: number } = {},
) {
  const { events, state, taskIds, end } = build(s, withTail);
  const sprint = openSprint(sprintsOf(events)) ?? sprintsOf(events).at(-1);
  if (!sprint) throw new Error("the scenario always starts a sprint");
  const tasks = new Map<string, Task>(
    state.map((t) => [
      t.id,
      {
        ...t,
        title: t.id,
        description: "",
        priority: "medium",
        tags: [],
        parentId: null,
        assignee: null,
        createdAt: T0,
        updatedAt: T0,
        version: 1,
      },
    ]),
  );
  const edges = s.edges.filter(([a, b]) => a < s.n && b < a).map(([a, b]) => [idOf(a), idOf(b)] as [string, string]);
  const graph = buildGraph([...tasks.values()], edges);
  const taskEvents = new Map(
    taskIds.map((id) => [
      id,
      events.filter(
        (e) =>
          (e.payload as { taskId?: string; task?: { id: string } }).taskId === id ||
          (e.type === "task.created" && e.payload.task.id === id),
      ),
    ]),
  );
  const report = sprintReport({
    sprint,
    taskEvents,
    tasks,
    leases: extra.leases ?? [],
    pending: extra.pending ?? [],
    graph,
    now: end,
    staleAfterMs: extra.staleAfterMs ?? 15 * 60_000,
  });
  return { report, events, sprint, tasks, graph, taskIds };
}

describe("sprint report (pure, over generated logs)", () => {
  it("done, velocity and cycle times are exactly what the log says inside the window", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { report, events, sprint, taskIds } = reportOf(s, false);
        const until = sprint.endedSeq ?? Number.POSITIVE_INFINITY;
        const expected = taskIds.flatMap((id) => {
          const d = expectedDone(events, id, sprint.startedSeq, until);
          return d ? [{ taskId: id, ...d }] : [];
        });
        expect(
          report.done.map(({ taskId, doneSeq, doneAt, cycleTimeMs, estimate }) => ({
            taskId,
            doneSeq,
            doneAt,
            cycleTimeMs,
            estimate,
          })),
        ).toEqual(expected.sort((a, b) => a.doneSeq - b.doneSeq));
        const minutes = expected.reduce((sum, d) => sum + (d.estimate ?? 0), 0);
        expect(report.velocity.minutes).toBe(minutes);
        expect(report.velocity.unestimated).toBe(expected.filter((d) => d.estimate === null).length);
        const elapsed = report.asOf - report.startedAt;
        expect(report.velocity.days).toBeGreaterThanOrEqual(1);
        expect(report.velocity.days === 1 || (report.velocity.days - 1) * DAY < elapsed).toBe(true);
        expect(elapsed).toBeLessThanOrEqual(report.velocity.days * DAY);
        expect(report.velocity.perDay).toBeCloseTo(minutes / report.velocity.days, 2);
        const cycles = expected.flatMap((d) => (d.cycleTimeMs === null ? [] : [d.cycleTimeMs]));
        expect(report.cycleTime.count).toBe(cycles.length);
        expect(report.cycleTime.maxMs).toBe(cycles.length ? Math.max(...cycles) : null);
        for (const c of cycles) expect(c).toBeGreaterThanOrEqual(0);
        expect(report.state).toBe(sprint.endedSeq === null ? "open" : "ended");
        expect(Object.values(report.statuses).reduce((a, b) => a + b, 0)).toBe(new Set(taskIds).size);
      }),
      { numRuns: 400, seed: seed("sprint report window") },
    );
  });

  it("an ended sprint's done, velocity and cycle times do not move with what happens after its end", () => {
    fc.assert(
      fc.property(
        scenario.filter((s) => s.end !== null && s.end >= s.start && s.tail.length > 0),
        (s) => {
          const before = reportOf(s, false).report;
          const after = reportOf(s, true).report;
          expect(after.state).toBe("ended");
          expect(after.done).toEqual(before.done);
          expect(after.cycleTime).toEqual(before.cycleTime);
          expect(after.velocity.minutes).toBe(before.velocity.minutes);
        },
      ),
      { numRuns: 200, seed: seed("sprint report after the end") },
    );
  });

  it("blocked lists exactly the unfinished sprint tasks that are blocked or wait on an open blocker", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { report, tasks, graph, taskIds, events } = reportOf(s, false);
        const expected = [...new Set(taskIds)].filter((id) => {
          const t = tasks.get(id) as Task;
          return !isFinished(t.status) && (t.status === "blocked" || openBlockers(graph, id).length > 0);
        });
        expect(report.blocked.map((b) => b.taskId)).toEqual(expected);
        for (const b of report.blocked) {
          if (b.status !== "blocked") continue;
          const last = events
            .filter(
              (e) => e.type === "task.status_changed" && e.payload.taskId === b.taskId && e.payload.to === "blocked",
            )
            .at(-1);
          expect(b.reasons[0]).toBe(
            `blocked: ${(last as StoredEvent & { type: "task.status_changed" }).payload.reason}`,
          );
        }
        for (const id of report.criticalPath.tasks) expect(isFinished((tasks.get(id) as Task).status)).toBe(false);
      }),
      { numRuns: 300, seed: seed("sprint report blocked") },
    );
  });

  it("stale leases are the sprint's leases that expired or went unrenewed past the threshold; the review queue is its pending requests, oldest first", () => {
    const leaseArb = fc.record({
      task: fc.nat(5),
      // Minutes before now, and short spans: a lease idle exactly the threshold comes up often.
      ago: minutes(0, 120 * 60_000),
      ttl: minutes(1, 240 * 60_000),
      renewedAfter: fc.option(minutes(0, 120 * 60_000), { nil: null }),
    });
    const requestArb = fc.record({ task: fc.nat(5), at: fc.nat(4 * DAY) });
    fc.assert(
      fc.property(
        scenario,
        fc.array(leaseArb, { maxLength: 6 }),
        fc.array(requestArb, { maxLength: 6 }),
        minutes(1, 60 * 60_000),
        (s, ls, rs, staleAfterMs) => {
          const { taskIds } = reportOf(s, false);
          const now = T0 + 4 * DAY;
          const leases: Lease[] = ls.map((l, i) => ({
            taskId: idOf(l.task % s.n),
            agent: "agent:a",
            session: null,
            token: 1000 + i,
            acquiredAt: now - l.ago,
            expiresAt: now - l.ago + l.ttl,
          }));
          const pending: Approval[] = rs.map((r, i) => ({
            id: 2000 + i,
            taskId: idOf(r.task % s.n),
            requestedBy: "agent:a",
            requestedSession: null,
            requestedAt: T0 + r.at,
            state: "pending",
            decidedBy: null,
            decidedSession: null,
            decidedAt: null,
            reason: null,
          }));
          const { events, state } = build(s, false);
          const renewals: StoredEvent[] = ls.flatMap((l, i) =>
            l.renewedAfter === null
              ? []
              : [
                  {
                    type: "lease.renewed",
                    payload: { taskId: idOf(l.task % s.n), token: 1000 + i, expiresAt: 0 },
                    seq: events.length + i + 1,
                    time: Math.min(now - l.ago + l.renewedAfter, now),
                    actor: "agent:a",
                    session: null,
                    origin: "o",
                    command: 1,
                    undoes: null,
                    prevHash: "",
                    hash: "",
                  } as StoredEvent,
                ],
          );
          const sprint = sprintsOf(events).at(-1);
          if (!sprint) throw new Error("no sprint");
          const tasks = new Map<string, Task>(
            state.map((t) => [
              t.id,
              {
                ...t,
                title: t.id,
                description: "",
                priority: "medium",
                tags: [],
                parentId: null,
                assignee: null,
                createdAt: T0,
                updatedAt: T0,
                version: 1,
              },
            ]),
          );
          const report = sprintReport({
            sprint,
            taskEvents: new Map(
              taskIds.map((id) => [id, renewals.filter((e) => (e.payload as { taskId: string }).taskId === id)]),
            ),
            tasks,
            leases,
            pending,
            graph: buildGraph([...tasks.values()], []),
            now,
            staleAfterMs,
          });
          const inSprint = new Set(taskIds);
          const stale = leases.filter((l, i) => {
            if (!inSprint.has(l.taskId)) return false;
            const r = ls[i]?.renewedAfter;
            const last = r === null || r === undefined ? l.acquiredAt : Math.min(l.acquiredAt + r, now);
            return l.expiresAt <= now || now - last >= staleAfterMs;
          });
          expect(report.staleLeases.map((l) => l.token).sort()).toEqual(stale.map((l) => l.token).sort());
          for (const l of report.staleLeases) expect(l.expired || l.idleMs >= staleAfterMs).toBe(true);
          const queue = pending
            .filter((a) => inSprint.has(a.taskId))
            .sort((a, b) => a.requestedAt - b.requestedAt || a.id - b.id);
          expect(report.reviewQueue.map((a) => [a.requestId, a.ageMs])).toEqual(
            queue.map((a) => [a.id, now - a.requestedAt]),
          );
        },
      ),
      { numRuns: 200, seed: seed("sprint report leases and reviews") },
    );
  });
});
