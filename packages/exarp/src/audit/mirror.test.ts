import { appendFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { tempDir } from "../../test/support/temp.ts";
import { createExarp } from "../app/exarp.ts";
import { openStore } from "../store/store.ts";
import { verifyAudit } from "./verify.ts";

const lines = (dir: string, file = "audit.jsonl") => readFileSync(join(dir, file), "utf8").trimEnd().split("\n");

describe("audit mirror", () => {
  it("writes one grep-friendly JSON line per event", () => {
    const { exarp, dir } = testExarp();
    const t = exarp.tasks.create({ title: "a" });
    exarp.tasks.setStatus({ id: t.id, to: "in_progress", reason: "go" });
    const [created, moved] = lines(dir).map((l) => JSON.parse(l));
    expect(created).toMatchObject({
      seq: 1,
      type: "task.created",
      task: t.id,
      actor: "tester",
      at: "2026-01-01T00:00:00.000Z",
    });
    expect(moved).toMatchObject({
      seq: 2,
      type: "task.status_changed",
      payload: { from: "todo", to: "in_progress", reason: "go" },
    });
    expect(verifyAudit(exarp.store, dir)).toEqual({ lines: 2, problems: [] });
  });

  it("catches up on open with events committed while nobody mirrored (a crash between commit and mirror)", () => {
    const dir = tempDir();
    const silent = createExarp({ store: openStore(join(dir, "exarp.db")) });
    for (let i = 0; i < 5; i++) silent.tasks.create({ title: `t${i}` });
    silent.close();
    const { exarp } = testExarp({ dir });
    expect(lines(dir).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(verifyAudit(exarp.store, dir).problems).toEqual([]);
  });

  it("cuts a torn last line and rewrites it whole", () => {
    const { exarp, dir } = testExarp();
    exarp.tasks.create({ title: "a" });
    exarp.tasks.create({ title: "b" });
    exarp.close();
    const path = join(dir, "audit.jsonl");
    truncateSync(path, readFileSync(path).length - 10);
    const again = testExarp({ dir });
    expect(lines(dir).map((l) => JSON.parse(l).seq)).toEqual([1, 2]);
    expect(verifyAudit(again.store, dir).problems).toEqual([]);
  });

  it("reports an edited line, a missing line and a foreign line", () => {
    const { exarp, dir } = testExarp();
    for (const title of ["a", "b", "c"]) exarp.tasks.create({ title });
    const path = join(dir, "audit.jsonl");
    const [l1, , l3] = lines(dir) as [string, string, string];
    writeFileSync(path, `${l1.replace('"title":"a"', '"title":"A"')}\n${l3}\n`);
    appendFileSync(path, '{"seq":9,"type":"x"}\nnot json\n');
    expect(verifyAudit(exarp.store, dir).problems).toEqual([
      "audit.jsonl:1 (#1) differs from the log: edited?",
      "event #2 is missing from the audit files (before audit.jsonl:2)",
      "audit.jsonl:3 holds #9, which the log does not (or not here)",
      "audit.jsonl:4 is not an audit line",
    ]);
    expect(exarp.doctor().ok).toBe(false);
  });

  it("rotates by size and still verifies across files", () => {
    const { exarp, dir } = testExarp({ auditMaxBytes: 2000 });
    for (let i = 0; i < 40; i++) exarp.tasks.create({ title: `task number ${i}` });
    const rotated = readdirSync(dir).filter((f) => /^audit\.\d{12}-\d{12}\.jsonl$/.test(f));
    expect(rotated.length).toBeGreaterThan(3);
    expect(verifyAudit(exarp.store, dir)).toEqual({ lines: 40, problems: [] });
    expect(exarp.auditTrail({ after: 35 }).map((e) => e.seq)).toEqual([36, 37, 38, 39, 40]);
  });

  it("two connections committing in turn never duplicate or reorder lines", () => {
    const dir = tempDir();
    const a = testExarp({ dir, seed: 1 });
    const b = testExarp({ dir, seed: 2 });
    for (let i = 0; i < 20; i++) (i % 3 ? a : b).exarp.tasks.create({ title: `t${i}` });
    expect(lines(dir).map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
