import { describe, expect, it } from "vitest";
import { holdWriteLock, testExarp, testStore } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { driverOf } from "./store.ts";

const meta = { actor: "tester", session: null, origin: "o-test", time: 1 };

describe("transactions", () => {
  it("refuses a callback that returns a promise, committing nothing", () => {
    const { exarp, store } = testExarp();
    exarp.tasks.create({ title: "a" });
    const attempt = () =>
      // @ts-expect-error an async callback does not type-check; the runtime guard catches it anyway
      store.transact(meta, async (tx) => {
        tx.append([{ type: "comment.added", payload: { taskId: "T-x", commentId: "c-1", body: "late" } }]);
      });
    expect(attempt).toThrow(/must be synchronous/);
    expect(store.maxSeq()).toBe(1);
    expect(exarp.tasks.create({ title: "b" }).title).toBe("b");
  });

  it("reports Busy when another connection holds the write lock, and writes nothing", () => {
    const dir = tempDir();
    const { exarp, store } = testExarp({ dir });
    exarp.tasks.create({ title: "a" });
    const release = holdWriteLock(dir);
    try {
      const quick = testStore(dir, { busyTimeoutMs: 30 });
      const started = Date.now();
      const error = failure(() =>
        quick.transact(meta, (tx) =>
          tx.append([{ type: "comment.added", payload: { taskId: "T-x", commentId: "c-1", body: "x" } }]),
        ),
      );
      expect(error.name).toBe("Busy");
      expect(error.message).toMatch(/^busy: another process is writing; retried for \d+ ms$/);
      expect(Date.now() - started).toBeLessThan(2000);
      // Reads answer while the lock is held.
      expect(quick.maxSeq()).toBe(1);
      expect(store.listTasks({}).map((t) => t.title)).toEqual(["a"]);
      quick.close();
    } finally {
      release();
    }
    expect(exarp.tasks.create({ title: "b" }).title).toBe("b");
  });

  it("a write the database refuses fails the command whole, however many writes were sent before and after it", () => {
    const { exarp, store } = testExarp();
    const task = exarp.tasks.create({ title: "a", tags: ["api"] });
    const db = driverOf(store);
    const tagged = (tag: string) => db.prepare("INSERT INTO task_tags (tag, task_id) VALUES (?, ?)").run(tag, task.id);
    const attempt = () =>
      store.transact(meta, (tx) => {
        // Over PostgreSQL none of these waits for its answer: they travel together with the read below.
        for (let i = 0; i < 300; i++) tagged(`t${i}`);
        tagged("api");
        tagged("after");
        tx.append([{ type: "comment.added", payload: { taskId: task.id, commentId: "c-1", body: "x" } }]);
        return tx.task(task.id);
      });
    expect(attempt).toThrow(/UNIQUE|duplicate key/);
    expect(store.maxSeq()).toBe(1);
    expect(db.prepare<{ tag: string }>("SELECT tag FROM task_tags").all()).toEqual([{ tag: "api" }]);
    // Every later answer is its own: nothing of the failed batch is read in its place.
    expect(exarp.tasks.edit({ id: task.id, title: "b" }).title).toBe("b");
    expect(exarp.tasks.get(task.id)).toMatchObject({ title: "b", tags: ["api"] });
    expect(store.maxSeq()).toBe(2);
  });

  it("a clock that gives fractions of a millisecond: commands and claims work, and every time is stored whole", () => {
    const { exarp, store } = testExarp({ clock: { now: () => Date.UTC(2026, 0, 1) + 0.75 } });
    const task = exarp.tasks.create({ title: "a" });
    expect(exarp.leases.claim({ taskId: task.id }).acquired).toBe(true);
    expect(exarp.leases.claimNext().acquired).toBe(false);
    const times = [...store.listEvents().map((e) => e.time), ...exarp.leases.list().map((l) => l.expiresAt)];
    expect(times.every(Number.isInteger)).toBe(true);
  });

  it("ready --claim decides on the task it picked as it stands under the lock: a dead agent's expired lease on it is swept first", () => {
    const { exarp, clock, store } = testExarp();
    const first = exarp.tasks.create({ title: "first", priority: "high" });
    const second = exarp.tasks.create({ title: "second", priority: "low" });
    const dead = exarp.as({ name: "agent:dead", session: "d" });
    expect(dead.leases.claim({ taskId: first.id, ttlMs: 1_000 }).acquired).toBe(true);
    clock.advance(5_000);
    const next = exarp.as({ name: "agent:next", session: "n" });
    const claimed = next.leases.claimNext();
    expect(claimed).toMatchObject({ acquired: true, renewed: false, task: { id: first.id, status: "in_progress" } });
    // In the claim's command: the dead agent's lease ended (its task back to todo), then the new one.
    expect(
      store
        .listEvents()
        .slice(4)
        .map((e) => e.type),
    ).toEqual(["lease.expired", "task.status_changed", "lease.acquired", "task.status_changed"]);
    expect(exarp.leases.list().map((l) => [l.taskId, l.agent, l.live])).toEqual([[first.id, "agent:next", true]]);
    // The next one picks the other task: the first is held, live.
    expect(exarp.as({ name: "agent:third", session: "t" }).leases.claimNext()).toMatchObject({
      acquired: true,
      task: { id: second.id },
    });
  });

  it("rolls back the whole command when a participant throws", () => {
    const { exarp, store } = testExarp();
    const stop = store.participate(() => {
      throw new Error("participant refused");
    });
    expect(() => exarp.tasks.create({ title: "a" })).toThrow("participant refused");
    expect(store.maxSeq()).toBe(0);
    stop();
    expect(exarp.tasks.create({ title: "a" }).title).toBe("a");
  });
});
