// The transaction boundary under failure: another writer holding the lock, a full disk, a callback
// that is not synchronous, a participant that throws. Runs under Node and Bun.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { openDriver } from "./driver.ts";
import { openStore } from "./store.ts";

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
    const other = openDriver(join(dir, "exarp.db"), { create: false });
    other.exec("BEGIN IMMEDIATE");
    try {
      const quick = openStore(join(dir, "exarp.db"), { busyTimeoutMs: 30 });
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
      other.exec("ROLLBACK");
      other.close();
    }
    expect(exarp.tasks.create({ title: "b" }).title).toBe("b");
  });

  it("reports a full disk as DiskFull, loses nothing, and leaves the audit files as they were", () => {
    const { exarp, store, dir } = testExarp();
    exarp.tasks.create({ title: "small" });
    const audit = readFileSync(join(dir, "audit.jsonl"), "utf8");
    const pages = (store.driver.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    store.driver.exec(`PRAGMA max_page_count = ${pages + 1}`);
    const big = "x".repeat(60_000);
    const error = failure(() => {
      for (let i = 0; i < 50; i++) exarp.tasks.create({ title: `t${i}`, description: big });
    });
    expect(error.name).toBe("DiskFull");
    expect(error.message).toMatch(/^disk full: the change was not saved \(nothing lost\)/);
    const kept = store.maxSeq();
    expect(readFileSync(join(dir, "audit.jsonl"), "utf8").split("\n").length - 1).toBe(kept);
    store.driver.exec("PRAGMA max_page_count = 1073741823");
    exarp.tasks.create({ title: "after" });
    expect(exarp.doctor().ok).toBe(true);
    expect(audit.length).toBeGreaterThan(0);
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
