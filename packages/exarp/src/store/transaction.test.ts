import { describe, expect, it } from "vitest";
import { holdWriteLock, testExarp, testStore } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";

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
