// What only the SQLite backend has: the runtime's native driver in WAL mode, the file checks, and a
// full disk simulated by SQLite's page limit. The PostgreSQL backend's own cases: postgres/postgres.test.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { isBun } from "./driver.ts";
import { openStore } from "./sqlite.ts";
import { driverOf } from "./store.ts";

describe(`SQLite store (${isBun ? "bun:sqlite" : "better-sqlite3"})`, () => {
  it("uses the driver native to the runtime, in WAL mode", () => {
    const { store } = testExarp();
    expect(driverOf(store).name).toBe(isBun ? "bun:sqlite" : "better-sqlite3");
    expect(driverOf(store).prepare<{ journal_mode: string }>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(driverOf(store).prepare<{ foreign_keys: number }>("PRAGMA foreign_keys").get()?.foreign_keys).toBe(1);
  });

  it("refuses a file that is not SQLite with a clear StorageError", () => {
    const dir = tempDir();
    const path = join(dir, "exarp.db");
    writeFileSync(path, "this is not a database, just text that is long enough to look like a header".repeat(20));
    const error = failure(() => openStore(path));
    expect(error.name).toBe("StorageError");
    expect(error.message).toBe(`cannot use ${path}: not an SQLite database (or corrupt)`);
  });

  it("reports a full disk as DiskFull, loses nothing, and leaves the audit files as they were", () => {
    const { exarp, store, dir } = testExarp();
    exarp.tasks.create({ title: "small" });
    const audit = readFileSync(join(dir, "audit.jsonl"), "utf8");
    const pages = (driverOf(store).prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    driverOf(store).exec(`PRAGMA max_page_count = ${pages + 1}`);
    const big = "x".repeat(60_000);
    const error = failure(() => {
      for (let i = 0; i < 50; i++) exarp.tasks.create({ title: `t${i}`, description: big });
    });
    expect(error.name).toBe("DiskFull");
    expect(error.message).toMatch(/^disk full: the change was not saved \(nothing lost\)/);
    const kept = store.maxSeq();
    expect(readFileSync(join(dir, "audit.jsonl"), "utf8").split("\n").length - 1).toBe(kept);
    driverOf(store).exec("PRAGMA max_page_count = 1073741823");
    exarp.tasks.create({ title: "after" });
    expect(exarp.doctor().ok).toBe(true);
    expect(audit.length).toBeGreaterThan(0);
  });
});
