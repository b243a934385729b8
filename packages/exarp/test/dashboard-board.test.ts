// The dashboard's pure parts: the board kept by the event stream must equal the board loaded from
// the projections (differential, over random work on a real store), even when it starts from a
// snapshot newer than its cursor; filters, windowing and routes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../src/event/catalog.ts";
import { PRIORITIES, STATUSES, type Task } from "../src/task/task.ts";
import { applyEvents, type Board, createBoard, putCard } from "../web/board/board.ts";
import { cardTest, shownColumns } from "../web/board/filter.ts";
import { visibleRows } from "../web/board/window.ts";
import { formatRoute, parseRoute } from "../web/lib/route.ts";
import { clockTime } from "../web/lib/time.ts";
import type { StreamEvent } from "../web/lib/types.ts";
import { testExarp } from "./support/exarp.ts";
import { seed } from "./support/fc-seed.ts";

/** An event as `/api/events` sends it. */
const streamed = ({ seq, type, payload, actor, session, time }: StoredEvent) =>
  ({ seq, type, payload, actor, session, time }) as StreamEvent;

/** What a board shows, in order: column ids and cards, and the leases. */
const picture = (board: Board) => ({
  columns: Object.fromEntries(Object.entries(board.columns).map(([c, cards]) => [c, cards.map((card) => card.id)])),
  cards: Object.fromEntries([...board.cards].sort(([a], [b]) => (a < b ? -1 : 1))),
  leases: Object.fromEntries([...board.leases].sort(([a], [b]) => (a < b ? -1 : 1))),
});

type Op =
  | { op: "create"; priority: number; tags: number[] }
  | { op: "move"; task: number; to: number }
  | { op: "edit"; task: number; priority: number; title: number }
  | { op: "claim" | "release" | "depend"; task: number; other: number }
  | { op: "undo" }
  | { op: "snapshot" };

const TAGS = ["api", "ui", "db"];
const REFUSALS = new Set([
  "InvalidTransition",
  "LeaseConflict",
  "CycleDetected",
  "Refused",
  "ApprovalRequired",
  "Unauthorized",
  "NotFound",
]);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("create" as const), priority: fc.nat(3), tags: fc.array(fc.nat(2), { maxLength: 3 }) }),
  fc.record({ op: fc.constant("move" as const), task: fc.nat(30), to: fc.nat(STATUSES.length - 1) }),
  fc.record({ op: fc.constant("edit" as const), task: fc.nat(30), priority: fc.nat(3), title: fc.nat(9) }),
  fc.record({
    op: fc.constantFrom("claim" as const, "release" as const, "depend" as const),
    task: fc.nat(30),
    other: fc.nat(30),
  }),
  fc.constant({ op: "undo" as const }),
  fc.constant({ op: "snapshot" as const }),
);

describe("the board kept by the stream", () => {
  it("equals the board loaded from the projections, from the start or from a newer snapshot", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const { exarp, store } = testExarp();
        const person = exarp.as({ name: "user:ana", session: null });
        const agent = exarp.as({ name: "agent:a", session: "s1" });
        const ids: string[] = [];
        const at = (i: number) => ids[i % Math.max(1, ids.length)];
        const load = () => createBoard(exarp.tasks.list({}), exarp.leases.list());
        let cursor: number | undefined;
        let snapshot: Board | undefined;
        try {
          for (const step of ops) {
            const id = at("task" in step ? step.task : 0);
            try {
              if (step.op === "create")
                ids.push(
                  person.tasks.create({
                    title: `task ${ids.length}`,
                    priority: PRIORITIES[step.priority],
                    tags: step.tags.map((t) => TAGS[t] as string),
                  }).id,
                );
              else if (step.op === "undo") person.history.undo();
              else if (step.op === "snapshot") {
                // The page reads the head first, then the board: the board may be newer than the cursor.
                if (cursor === undefined) cursor = exarp.feed.head();
                else snapshot ??= load();
              } else if (!id) continue;
              else if (step.op === "move") person.tasks.setStatus({ id, to: STATUSES[step.to] as Task["status"] });
              else if (step.op === "edit")
                person.tasks.edit({ id, priority: PRIORITIES[step.priority], title: `title ${step.title}` });
              else if (step.op === "claim") agent.leases.claim({ taskId: id });
              else if (step.op === "release") agent.leases.release({ taskId: id });
              else person.tasks.addDependency({ taskId: id, blockerId: at(step.other) as string });
            } catch (error) {
              // Refusals (workflow, leases, cycles, approvals, a task undone away) are part of random work; nothing else is.
              if (!REFUSALS.has((error as Error).name)) throw error;
            }
          }
          const events = store.listEvents({ after: 0 }).map(streamed);
          const expected = picture(load());
          // As the page does: apply the events, then fetch the tasks they named that the board lacks.
          const follow = (board: Board, from: StreamEvent[]) => {
            for (const missing of applyEvents(board, from).missing) {
              const task = exarp.tasks.find(missing);
              if (task) putCard(board, task);
            }
            return picture(board);
          };
          expect(follow(createBoard([], []), events)).toEqual(expected);
          if (cursor !== undefined && snapshot) {
            const after = cursor;
            expect(
              follow(
                snapshot,
                events.filter((e) => e.seq > after),
              ),
            ).toEqual(expected);
          }
        } finally {
          exarp.close();
        }
      }),
      { seed: seed("dashboard board"), numRuns: 40 },
    );
  });

  it("names the columns and cards an event touched, and the tasks it does not hold", () => {
    const task = (id: string, status: Task["status"]): Task => ({
      id,
      title: id,
      description: "",
      status,
      priority: "medium",
      tags: [],
      parentId: null,
      estimate: null,
      assignee: null,
      createdAt: 1,
      updatedAt: 1,
      version: 1,
    });
    const board = createBoard([task("T-a", "todo"), task("T-b", "review"), task("T-c", "cancelled")], []);
    expect(board.cards.has("T-c")).toBe(false);
    const event = (seq: number, taskId: string, from: string, to: string) =>
      ({
        seq,
        type: "task.status_changed",
        payload: { taskId, from, to },
        actor: "user:a",
        session: null,
        time: 5,
      }) as StreamEvent;
    const change = applyEvents(board, [event(10, "T-a", "todo", "in_progress"), event(11, "T-c", "cancelled", "todo")]);
    expect([...change.columns].sort()).toEqual(["in_progress", "todo"]);
    expect([...change.cards]).toEqual(["T-a"]);
    expect([...change.missing]).toEqual(["T-c"]);
    expect(board.columns.in_progress.map((c) => c.id)).toEqual(["T-a"]);
    // What the page fetches for a missing task takes its place; a move to cancelled takes it off.
    putCard(board, { ...task("T-c", "todo"), dependsOn: [], dependents: [], comments: [] } as Task);
    expect(board.cards.get("T-c")).not.toHaveProperty("comments");
    applyEvents(board, [event(12, "T-b", "review", "cancelled")]);
    expect(board.columns.review).toEqual([]);
  });
});

describe("board filters", () => {
  const card = {
    id: "T-x1",
    title: "Fix the login page",
    description: "Session cookie expires early",
    status: "todo" as const,
    priority: "high" as const,
    tags: ["auth", "ui"],
    parentId: null,
    estimate: null,
    assignee: "agent:build",
    createdAt: 1,
    updatedAt: 1,
  };
  const lease = { taskId: "T-x1", agent: "agent:other", session: null, token: 3, acquiredAt: 1, expiresAt: 2 };

  it("matches text in id, title or description, every tag, any priority, the assignee or holder", () => {
    expect(cardTest({})).toBeUndefined();
    const passes = (filter: Parameters<typeof cardTest>[0], held: typeof lease | undefined = lease) =>
      (cardTest(filter) as NonNullable<ReturnType<typeof cardTest>>)(card, held);
    expect(passes({ text: "COOKIE" })).toBe(true);
    expect(passes({ text: "x1" })).toBe(true);
    expect(passes({ text: "logout" })).toBe(false);
    // Text is matched as typed: regular-expression characters are literal.
    expect(passes({ text: "." })).toBe(false);
    expect(passes({ text: "log.n" })).toBe(false);
    const odd = { ...card, title: "Parse a+b (.*[ as text" };
    expect((cardTest({ text: "a+b (.*[" }) as NonNullable<ReturnType<typeof cardTest>>)(odd, undefined)).toBe(true);
    expect(passes({ tag: "auth,ui" })).toBe(true);
    expect(passes({ tag: "auth,db" })).toBe(false);
    expect(passes({ priority: "low,high" })).toBe(true);
    expect(passes({ priority: "low" })).toBe(false);
    expect(passes({ assignee: "agent:build" })).toBe(true);
    expect(passes({ assignee: "agent:other" })).toBe(true);
    expect((cardTest({ assignee: "agent:other" }) as NonNullable<ReturnType<typeof cardTest>>)(card, undefined)).toBe(
      false,
    );
  });

  it("shows the columns a status filter names, or all", () => {
    expect(shownColumns({ status: "review" })).toEqual(["review"]);
    expect(shownColumns({ status: "blocked,todo" })).toEqual(["todo", "blocked"]);
    expect(shownColumns({ status: "nonsense" })).toHaveLength(5);
    expect(shownColumns({})).toHaveLength(5);
  });
});

describe("column windowing", () => {
  it("covers exactly the rows in view, plus the overscan, within bounds", () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(2_000),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(6_000),
        fc.nat(8),
        (top, view, row, count, over) => {
          const { start, end } = visibleRows(top, view, row, count, over);
          expect(0 <= start && start <= end && end <= count).toBe(true);
          for (let i = 0; i < count; i++) {
            const inView = i * row < top + view && (i + 1) * row > top;
            if (inView) expect(i >= start && i < end).toBe(true);
          }
          expect(end - start).toBeLessThanOrEqual(Math.ceil(view / row) + 2 * over + 2);
        },
      ),
      { seed: seed("dashboard window"), numRuns: 200 },
    );
  });
});

describe("hash routes", () => {
  it("round-trips every view, filters and task ids; anything else is the board", () => {
    for (const hash of ["#/board?tag=api&status=review", "#/waves", "#/approvals", "#/leases", "#/audit", "#/task/T-1"])
      expect(formatRoute(parseRoute(hash))).toBe(hash);
    expect(parseRoute("#/board?status=review&tag=x&bogus=1")).toEqual({
      view: "board",
      filter: { status: "review", tag: "x" },
    });
    expect(parseRoute("#/task/T%2Fa")).toEqual({ view: "task", id: "T/a" });
    expect(formatRoute({ view: "task", id: "T/a" })).toBe("#/task/T%2Fa");
    expect(parseRoute("")).toEqual({ view: "board", filter: {} });
    expect(parseRoute("#/elsewhere")).toEqual({ view: "board", filter: {} });
    expect(parseRoute("#/task/%E0%A4%A")).toEqual({ view: "task", id: "%E0%A4%A" });
  });
});

describe("clock times", () => {
  it("shows the time of day for today, and the day and minute before", () => {
    const now = new Date(2026, 2, 3, 12, 4, 31).getTime();
    expect(clockTime(now - 60_000, now)).toBe("12:03:31");
    expect(clockTime(new Date(2026, 2, 1, 9, 5, 7).getTime(), now)).toBe("1 Mar 09:05");
  });
});
