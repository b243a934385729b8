import { describe, expect, it } from "vitest";
import { testBackend, testExarp } from "../../test/support/exarp.ts";
import { exportTaskLine, failure, until } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { GENESIS_HASH } from "../event/hash.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { createIds } from "../id.ts";
import { isBun } from "./driver.ts";
import { eventPages } from "./pages.ts";
import { verifyReplay } from "./replay.ts";
import { driverOf } from "./store.ts";

describe(`store contract (${testBackend === "postgres" ? "PostgreSQL" : isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("creates tasks with short prefixed ids and every field", () => {
    const { exarp, clock } = testExarp();
    const a = exarp.tasks.create({
      title: "  Design schema ",
      tags: ["db", "api", "db"],
      priority: "high",
      estimate: 30,
    });
    expect(a.id).toMatch(/^T-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(a).toMatchObject({
      title: "Design schema",
      status: "todo",
      priority: "high",
      tags: ["api", "db"],
      estimate: 30,
      parentId: null,
      assignee: null,
      version: 1,
      createdAt: clock.now(),
      dependsOn: [],
      dependents: [],
      comments: [],
    });
  });

  it("lengthens ids on collision", () => {
    const zeros = (n: number) => new Uint8Array(n);
    const { exarp } = testExarp({ ids: createIds(zeros) });
    const ids = ["a", "b", "c"].map((title) => exarp.tasks.create({ title }).id);
    expect(ids).toEqual(["T-0000", "T-00000", "T-000000"]);
  });

  it("records every change as a hash-chained event with actor and origin", () => {
    const { exarp, store } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.setStatus({ id: t.id, to: "in_progress" });
    exarp.as({ name: "agent:build", session: "ses_1" }).tasks.comment({ taskId: t.id, body: "on it" });
    const events = store.listEvents();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.type)).toEqual(["task.created", "task.status_changed", "comment.added"]);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[2]).toMatchObject({ actor: "agent:build", session: "ses_1", origin: exarp.origin });
    expect(verifyChain(eventPages(store)).problems).toEqual([]);
  });

  it("detects a tampered event through the chain", () => {
    const { exarp, store } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.edit({ id: t.id, title: "b" });
    exarp.tasks.edit({ id: t.id, title: "c" });
    driverOf(store).prepare("UPDATE events SET payload = replace(payload, '\"b\"', '\"B\"') WHERE seq = 2").run();
    expect(verifyChain(eventPages(store)).problems).toEqual(["#2 does not match its hash: altered"]);
  });

  it("enforces the workflow and names the allowed moves", () => {
    const { exarp } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    const error = failure(() => exarp.tasks.setStatus({ id: t.id, to: "done" }));
    expect(error.name).toBe("InvalidTransition");
    expect(error.message).toBe(
      `${t.id} cannot move from todo to done; allowed from todo: in_progress, blocked, cancelled`,
    );
    for (const to of ["in_progress", "review"] as const) exarp.tasks.setStatus({ id: t.id, to });
    expect(failure(() => exarp.tasks.setStatus({ id: t.id, to: "done" })).name).toBe("ApprovalRequired");
    exarp.as({ name: "user:reviewer", session: null }).approvals.approve({ taskId: t.id });
    exarp.tasks.setStatus({ id: t.id, to: "todo" });
    expect(exarp.tasks.get(t.id).status).toBe("todo");
  });

  it("refuses a stale expectedVersion instead of losing an update", () => {
    const { exarp } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.edit({ id: t.id, title: "b", expectedVersion: 1 });
    const error = failure(() => exarp.tasks.edit({ id: t.id, title: "c", expectedVersion: 1 }));
    expect(error.name).toBe("VersionConflict");
    expect(error.data).toEqual({ id: t.id, expected: 1, actual: 2 });
    expect(exarp.tasks.get(t.id).title).toBe("b");
  });

  it("writes nothing for an edit that changes nothing", () => {
    const { exarp, store } = testExarp();
    const t = exarp.tasks.create({ title: "a", tags: ["x"] });
    const same = exarp.tasks.edit({ id: t.id, title: "a", tags: ["x", "x"] });
    expect(same.version).toBe(1);
    expect(store.maxSeq()).toBe(1);
  });

  it("links dependencies both ways and refuses self-links, unknown blockers and cycles (named)", () => {
    const { exarp, store } = testExarp();
    const [a, b, c] = ["a", "b", "c"].map((title) => exarp.tasks.create({ title })) as unknown as [
      { id: string },
      { id: string },
      { id: string },
    ];
    exarp.tasks.addDependency({ taskId: b.id, blockerId: a.id });
    exarp.tasks.addDependency({ taskId: c.id, blockerId: b.id });
    expect(exarp.tasks.get(b.id)).toMatchObject({ dependsOn: [a.id], dependents: [c.id], version: 2 });
    const before = store.maxSeq();
    expect(failure(() => exarp.tasks.addDependency({ taskId: a.id, blockerId: a.id })).message).toBe(
      `${a.id} cannot depend on itself`,
    );
    expect(failure(() => exarp.tasks.addDependency({ taskId: a.id, blockerId: "T-none" })).name).toBe("NotFound");
    const cycle = failure(() => exarp.tasks.addDependency({ taskId: a.id, blockerId: c.id }));
    expect(cycle.name).toBe("CycleDetected");
    expect(cycle.data).toEqual({ cycle: [a.id, c.id, b.id, a.id] });
    expect(cycle.message).toBe(`that dependency would close a cycle: ${a.id} → ${c.id} → ${b.id} → ${a.id}`);
    expect(failure(() => exarp.tasks.addDependency({ taskId: b.id, blockerId: a.id })).name).toBe("Refused");
    expect(store.maxSeq()).toBe(before);
    exarp.tasks.removeDependency({ taskId: c.id, blockerId: b.id });
    expect(exarp.tasks.get(c.id).dependsOn).toEqual([]);
  });

  it("keeps parents a tree: a parent below the task is refused, also by undo, and doctor names imported cycles", () => {
    const { exarp } = testExarp();
    const [a, b, c] = ["a", "b", "c"].map((title) => exarp.tasks.create({ title }).id) as [string, string, string];
    exarp.tasks.edit({ id: b, parentId: a });
    exarp.tasks.edit({ id: c, parentId: b });
    expect(failure(() => exarp.tasks.edit({ id: a, parentId: c })).message).toBe(
      `${c} cannot be the parent of ${a}: it is below it (${a} → ${b} → ${c} → ${a})`,
    );
    // b drops its parent, a takes c as parent; undoing b's drop would now close a → c → b → a.
    exarp.tasks.edit({ id: b, parentId: null });
    exarp.tasks.edit({ id: a, parentId: c });
    const drop = exarp.history.list({ taskId: b }).at(-1)?.seq as number;
    expect(failure(() => exarp.history.undo({ seq: drop })).message).toMatch(
      /cannot be the parent of .*: it is below it/,
    );
    expect(exarp.doctor().ok).toBe(true);
    exarp.transfer.importText(
      [
        exportTaskLine("P-1", "todo", [], { parentId: "P-2" }),
        exportTaskLine("P-2", "todo", [], { parentId: "P-1" }),
      ].join("\n"),
    );
    const graph = exarp.doctor().checks.find((check) => check.name === "graph");
    expect(graph?.problems).toContain("parent cycle: P-1 → P-2 → P-1");
  });

  it("reads comments back in order with their authors", () => {
    const { exarp, clock } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.comment({ taskId: t.id, body: "first" });
    clock.advance(1000);
    exarp.as({ name: "agent:review", session: null }).tasks.comment({ taskId: t.id, body: "second" });
    expect(exarp.tasks.get(t.id).comments.map((c) => [c.author, c.body])).toEqual([
      ["tester", "first"],
      ["agent:review", "second"],
    ]);
    expect(exarp.tasks.get(t.id).version).toBe(1);
  });

  it("filters lists by status, tags, priority, text, parent and assignee", () => {
    const { exarp } = testExarp();
    const epic = exarp.tasks.create({ title: "Epic" });
    const a = exarp.tasks.create({ title: "Cache layer", tags: ["api", "perf"], priority: "high", parentId: epic.id });
    const b = exarp.tasks.create({ title: "Docs", description: "explain the CACHE", tags: ["docs"], assignee: "ana" });
    exarp.tasks.setStatus({ id: b.id, to: "in_progress" });
    const ids = (f: Parameters<typeof exarp.tasks.list>[0]) => exarp.tasks.list(f).map((t) => t.id);
    expect(ids({ status: ["in_progress"] })).toEqual([b.id]);
    expect(ids({ tags: ["api", "perf"] })).toEqual([a.id]);
    expect(ids({ tags: ["api", "docs"] })).toEqual([]);
    expect(ids({ priority: ["high"] })).toEqual([a.id]);
    expect(ids({ text: "cache" })).toEqual([b.id, a.id]);
    expect(ids({ parentId: epic.id })).toEqual([a.id]);
    expect(ids({ assignee: "ana" })).toEqual([b.id]);
    expect(ids({ limit: 1 })).toHaveLength(1);
  });

  it("validates input once, at the service boundary", () => {
    const { exarp, store } = testExarp();
    expect(failure(() => exarp.tasks.create({ title: "" })).message).toBe("invalid input: title: title is empty");
    expect(failure(() => exarp.tasks.create({ title: "x".repeat(1_000_000) })).message).toMatch(
      /title is longer than 500/,
    );
    expect(failure(() => exarp.tasks.create({ title: "a", priority: "urgent" as never })).name).toBe("InvalidInput");
    expect(failure(() => exarp.tasks.create({ title: "a", bogus: 1 } as never)).message).toMatch(/bogus/);
    expect(failure(() => exarp.tasks.setStatus({ id: "T-x", to: "finished" as never })).name).toBe("InvalidInput");
    expect(failure(() => exarp.tasks.get("not an id!")).name).toBe("InvalidInput");
    expect(store.maxSeq()).toBe(0);
  });

  it("undoes the last change with compensating events, walking back one command at a time", () => {
    const { exarp, store } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.edit({ id: t.id, title: "b" });
    exarp.tasks.setStatus({ id: t.id, to: "in_progress" });
    const first = exarp.history.undo();
    expect(first.undone.map((e) => e.seq)).toEqual([3]);
    expect(first.events[0]).toMatchObject({ type: "task.status_changed", undoes: 3 });
    expect(exarp.tasks.get(t.id)).toMatchObject({ status: "todo", title: "b" });
    exarp.history.undo();
    expect(exarp.tasks.get(t.id).title).toBe("a");
    exarp.history.undo();
    expect(exarp.tasks.find(t.id)).toBeUndefined();
    expect(failure(() => exarp.history.undo()).message).toBe(
      "tester has no change to undo; name another's change by its event number",
    );
    expect(store.listEvents().length).toBe(6);
    expect(verifyReplay(store).problems).toEqual([]);
  });

  it("refuses to undo a change that later changes built on", () => {
    const { exarp } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.edit({ id: t.id, title: "b" });
    exarp.tasks.edit({ id: t.id, title: "c" });
    expect(failure(() => exarp.history.undo({ seq: 2 })).message).toBe(
      `${t.id} changed after #2 (at #3, task.edited); undo that first`,
    );
    const u = exarp.history.undo({ seq: 3 });
    expect(failure(() => exarp.history.undo({ seq: u.events[0]?.seq })).message).toMatch(/is an undo itself/);
    expect(failure(() => exarp.history.undo({ seq: 3 })).message).toMatch(/already undone/);
    expect(failure(() => exarp.history.undo({ seq: 99 })).name).toBe("NotFound");
  });

  it("refuses to undo a creation others depend on", () => {
    const { exarp } = testExarp();
    const a = exarp.tasks.create({ title: "a" });
    const b = exarp.tasks.create({ title: "b", dependsOn: [a.id] });
    expect(failure(() => exarp.history.undo({ seq: 1 })).message).toBe(
      `cannot undo the creation of ${a.id}: ${b.id} was linked to it at #3; undo that first`,
    );
  });

  it("replays to exactly the live tables with tokens made and revoked", () => {
    const { exarp, store } = testExarp();
    const person = exarp.as({ name: "user:ann", session: null });
    const { token } = person.tokens.create({ scope: "viewer", name: "board" });
    person.tokens.create({ scope: "owner", name: "mine" });
    person.tokens.revoke({ id: token.id });
    expect(verifyReplay(store).problems).toEqual([]);
  });

  it("tells whether anything changed since a cursor, across connections", async () => {
    const dir = tempDir();
    const { exarp } = testExarp({ dir });
    const other = testExarp({ dir, seed: 99 });
    expect(exarp.feed.changedSince(0)).toBe(false);
    other.exarp.tasks.create({ title: "from another connection" });
    // SQLite sees it at once; PostgreSQL once the commit's notification arrives (the wake-up latency).
    await until(() => exarp.feed.head() === 1, 5_000);
    expect(exarp.feed.changedSince(0)).toBe(true);
    expect(exarp.feed.eventsSince(0).map((e) => e.origin)).toEqual([other.exarp.origin]);
    exarp.tasks.create({ title: "mine" });
    expect(exarp.feed.head()).toBe(2);
    expect(exarp.feed.changedSince(2)).toBe(false);
  });
});
