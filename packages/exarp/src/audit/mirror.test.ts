// The audit mirror is written inside each write transaction and checked against the log before
// every append: damage is reported (doctor, and once as a warning) and repaired, never healed silently.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { failure } from "../../test/support/expect.ts";
import { tempDir } from "../../test/support/temp.ts";
import { createExarp } from "../app/exarp.ts";
import { hashEvent } from "../event/hash.ts";
import { openStore } from "../store/sqlite.ts";
import { driverOf } from "../store/store.ts";
import { verifyAudit } from "./verify.ts";

const lines = (dir: string, file = "audit.jsonl") => readFileSync(join(dir, file), "utf8").trimEnd().split("\n");
const seqs = (dir: string) => lines(dir).map((l) => JSON.parse(l).seq as number);

/** An exarp whose warnings are collected (the mirror reports repaired damage through them). */
function watched(options: Parameters<typeof testExarp>[0] = {}) {
  const warnings: string[] = [];
  const t = testExarp({ ...options, warn: (m) => warnings.push(m) });
  return { ...t, warnings };
}

describe("audit mirror", () => {
  it("writes one grep-friendly JSON line per event, in the same transaction", () => {
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
    expect(exarp.store.auditPosition()).toBe(2);
    expect(verifyAudit(exarp.store, dir)).toEqual({ lines: 2, problems: [], notes: [] });
  });

  it("opening and reading never touch the files; the next write adds what a process without the mirror wrote", () => {
    const dir = tempDir();
    const silent = createExarp({ store: openStore(join(dir, "exarp.db")) });
    for (let i = 0; i < 5; i++) silent.tasks.create({ title: `t${i}` });
    silent.close();
    const { exarp, warnings } = watched({ dir });
    exarp.tasks.list({});
    expect(existsSync(join(dir, "audit.jsonl"))).toBe(false);
    expect(verifyAudit(exarp.store, dir)).toMatchObject({
      problems: [],
      notes: ["5 newer event(s) from #1 are not mirrored yet; the next write adds them"],
    });
    exarp.tasks.create({ title: "t5" });
    expect(seqs(dir)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(warnings).toEqual([]);
  });

  it("cuts what a write that never committed left behind (a torn line), without calling it damage", () => {
    const { exarp, dir, warnings } = watched();
    exarp.tasks.create({ title: "a" });
    exarp.tasks.create({ title: "b" });
    const path = join(dir, "audit.jsonl");
    appendFileSync(path, '{"seq":3,"at":"2026-01-01T00:00:00.000Z","type":"task.cre');
    expect(verifyAudit(exarp.store, dir)).toMatchObject({
      problems: [],
      notes: [expect.stringMatching(/never committed/)],
    });
    exarp.tasks.create({ title: "c" });
    expect(seqs(dir)).toEqual([1, 2, 3]);
    expect(lines(dir)[2]).toContain('"title":"c"');
    expect(warnings).toEqual([]);
  });

  it("reports an edited, a missing and a foreign line, and names every one", () => {
    const { exarp, dir } = testExarp();
    for (const title of ["a", "b", "c"]) exarp.tasks.create({ title });
    const path = join(dir, "audit.jsonl");
    const [l1, , l3] = lines(dir) as [string, string, string];
    writeFileSync(path, `${l1.replace('"title":"a"', '"title":"A"')}\n${l3}\n`);
    appendFileSync(path, '{"seq":9,"type":"x"}\nnot json\n');
    expect(verifyAudit(exarp.store, dir).problems).toEqual([
      "audit.jsonl:1 (#1) differs from the log: edited?",
      "event #2 is missing from the audit files (before audit.jsonl:2)",
      "audit.jsonl:3 holds #9, which the log does not",
      "audit.jsonl:4 is not an audit line",
    ]);
    expect(exarp.doctor().ok).toBe(false);
  });

  for (const [damage, harm, reason] of [
    ["a garbage line appended", (p: string) => appendFileSync(p, "garbage\n"), /is not an audit line/],
    [
      "a forged line for a seq the log does not have",
      (p: string) => appendFileSync(p, '{"seq":99999,"type":"task.created"}\n'),
      /holds #99999 after #3, which the log does not/,
    ],
    [
      "a garbage line slipped in before the last line",
      (p: string) => {
        const [first, ...rest] = readFileSync(p, "utf8").split("\n");
        writeFileSync(p, [first, "garbage", ...rest].join("\n"));
      },
      /audit.jsonl:2 is not an audit line of the log/,
    ],
    ["the file deleted", (p: string) => unlinkSync(p), /empty or missing, though they had reached #3/],
    ["the file emptied", (p: string) => writeFileSync(p, ""), /empty or missing, though they had reached #3/],
    [
      "the file truncated by a line",
      (p: string) => truncateSync(p, readFileSync(p, "utf8").trimEnd().lastIndexOf("\n") + 1),
      /end at #2, though they had reached #3/,
    ],
  ] as const) {
    it(`reports ${damage} (doctor, then once as a warning) and rebuilds the files from the log`, () => {
      const { exarp, dir, warnings } = watched();
      for (const title of ["a", "b", "c"]) exarp.tasks.create({ title });
      harm(join(dir, "audit.jsonl"));
      // Doctor reports it, and doctor's own open changes nothing.
      expect(exarp.doctor().ok).toBe(false);
      expect(exarp.doctor().ok).toBe(false);
      exarp.tasks.create({ title: "d" });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(reason);
      expect(warnings[0]).toMatch(/rebuilt from the event log \(hash chain verified\)/);
      expect(seqs(dir)).toEqual([1, 2, 3, 4]);
      expect(verifyAudit(exarp.store, dir).problems).toEqual([]);
      // The damaged copy is kept for whoever investigates, never deleted.
      expect(readdirSync(dir).some((f) => f.startsWith("audit-damaged-"))).toBe(damage !== "the file deleted");
      exarp.tasks.create({ title: "e" });
      expect(warnings).toHaveLength(1);
    });
  }

  it("refuses to write when the log and the audit trail disagree and both look intact", () => {
    const { exarp, dir } = testExarp();
    for (const title of ["a", "b"]) exarp.tasks.create({ title });
    // Someone rewrote event #2 in the database and recomputed its hash: the chain still verifies.
    const forged = openStore(join(dir, "exarp.db"));
    const row = forged.eventRow(2);
    if (!row) throw new Error("no event 2");
    const payload = row.payload.replace('"title":"b"', '"title":"B"');
    const hash = hashEvent(row.prev_hash, { ...row, payload });
    driverOf(forged).prepare("UPDATE events SET payload = ?, hash = ? WHERE seq = 2").run(payload, hash);
    forged.close();
    const before = readFileSync(join(dir, "audit.jsonl"), "utf8");
    const error = failure(() => exarp.tasks.create({ title: "c" }));
    expect(error.message).toMatch(/disagree about event #2 \(both look intact\); the change was refused/);
    expect(exarp.store.maxSeq()).toBe(2);
    expect(readFileSync(join(dir, "audit.jsonl"), "utf8")).toBe(before);
  });

  it("reports an audit.jsonl that is a directory instead of crashing", () => {
    const { exarp, dir, warnings } = watched();
    exarp.tasks.create({ title: "a" });
    rmSync(join(dir, "audit.jsonl"));
    mkdirSync(join(dir, "audit.jsonl"));
    expect(verifyAudit(exarp.store, dir).problems).toContain("audit.jsonl is not a file");
    exarp.tasks.create({ title: "b" });
    expect(warnings[0]).toMatch(/audit.jsonl is not a file/);
    expect(seqs(dir)).toEqual([1, 2]);
  });

  it("rotates by size and still verifies across files; a deleted rotated file is damage", () => {
    const { exarp, dir, warnings } = watched({ auditMaxBytes: 2000 });
    for (let i = 0; i < 40; i++) exarp.tasks.create({ title: `task number ${i}` });
    const rotated = readdirSync(dir).filter((f) => /^audit\.\d{12}-\d{12}\.jsonl$/.test(f));
    expect(rotated.length).toBeGreaterThan(3);
    expect(verifyAudit(exarp.store, dir)).toEqual({ lines: 40, problems: [], notes: [] });
    expect(exarp.auditTrail({ after: 35 }).map((e) => e.seq)).toEqual([36, 37, 38, 39, 40]);
    unlinkSync(join(dir, rotated[1] as string));
    expect(verifyAudit(exarp.store, dir).problems[0]).toMatch(/is missing from the audit files/);
    exarp.tasks.create({ title: "one more" });
    expect(warnings[0]).toMatch(/does not follow/);
    expect(verifyAudit(exarp.store, dir).problems).toEqual([]);
  });

  it("two connections committing in turn never duplicate or reorder lines", () => {
    const dir = tempDir();
    const a = testExarp({ dir, seed: 1 });
    const b = testExarp({ dir, seed: 2 });
    for (let i = 0; i < 20; i++) (i % 3 ? a : b).exarp.tasks.create({ title: `t${i}` });
    expect(seqs(dir)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
