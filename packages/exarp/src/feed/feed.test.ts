import { afterEach, describe, expect, it, vi } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe("change feed", () => {
  it("survives a read that fails in its timers: says so once, retries, and loses no event", async () => {
    const { exarp } = testExarp();
    const warnings: string[] = [];
    vi.spyOn(process, "emitWarning").mockImplementation((w) => {
      warnings.push(String(w));
    });
    const seen: number[] = [];
    const watcher = exarp.feed.watch(
      exarp.feed.head(),
      (events: StoredEvent[]) => {
        for (const e of events) seen.push(e.seq);
      },
      { pollMs: 5 },
    );
    const read = exarp.store.listEvents.bind(exarp.store);
    let failures = 3;
    vi.spyOn(exarp.store, "listEvents").mockImplementation((query) => {
      if (failures > 0) {
        failures--;
        throw new Error("disk I/O error");
      }
      return read(query);
    });
    exarp.tasks.create({ title: "one" });
    exarp.tasks.create({ title: "two" });
    await until(() => seen.length === 2);
    watcher.close();
    exarp.close();
    expect(seen).toEqual([1, 2]);
    expect(warnings).toEqual(["exarp: change feed cannot read the log (retrying): disk I/O error"]);
  });
});
