// What the runner tells a session and records on a task, and how it reports progress: bounded and
// terminal-safe whatever the task's text, by property; the backoff doubles and stops growing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UNSAFE_OUTPUT } from "../../test/support/hermetic.ts";
import { createTable, jsonLine, type Progress, textLine } from "../run/progress.ts";
import { MAX_COMMENT } from "../task/task.ts";
import { backoffMs, resultComment, taskPrompt } from "./prompt.ts";

/** Control characters other than newline and tab, separators and bidi controls: never in what a model or a terminal reads. */
const UNSAFE = UNSAFE_OUTPUT;
const hostile = fc.string({ unit: "binary", maxLength: 3000 });

const task = (title: string, description: string, comments: string[]) => ({
  id: "T-abcd",
  title,
  description,
  tags: ["api"],
  dependents: [],
  comments: comments.map((body, i) => ({
    id: `c-${i}`,
    taskId: "T-abcd",
    body,
    author: "agent:build",
    createdAt: i,
  })),
});

describe("the runner's prompt and result", () => {
  it("names the task, keeps the latest comments, says how to hand in; bounded and safe for any text", () => {
    fc.assert(
      fc.property(hostile, hostile, fc.array(hostile, { maxLength: 12 }), (title, description, comments) => {
        const text = taskPrompt(task(title, description, comments), {
          worktree: "/repo/.exarp/worktrees/T-abcd",
          unblocks: [{ id: "T-next", title }],
        });
        expect(text.startsWith("You are working on exarp task T-abcd: ")).toBe(true);
        expect(text).toContain("/repo/.exarp/worktrees/T-abcd");
        expect(text).toContain("end with a short summary");
        expect(text).not.toMatch(UNSAFE);
        expect(text.length).toBeLessThan(16_000);
      }),
    );
  });

  it("records a result within the comment limit, naming the session and the branch", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200_000 }), (text) => {
        const body = resultComment("ses_1", text, { branch: "exarp/T-abcd", summary: "a.txt | 1 +" }, MAX_COMMENT);
        expect(body.length).toBeLessThanOrEqual(MAX_COMMENT);
        expect(body).toContain("Result of OpenCode session ses_1:");
        expect(body).toContain("Branch exarp/T-abcd:\na.txt | 1 +");
      }),
    );
    expect(resultComment("ses_1", "  ", undefined, MAX_COMMENT)).toContain("ended without a final message");
  });

  it("waits twice as long after each failed attempt, never more than five minutes", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 10_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 600_000 }), (n, base) => {
        expect(backoffMs(n + 1, base)).toBeGreaterThanOrEqual(backoffMs(n, base));
        expect(backoffMs(n, base)).toBeLessThanOrEqual(300_000);
      }),
    );
  });
});

describe("progress", () => {
  const kinds: Progress["kind"][] = [
    "started",
    "adopted",
    "finished",
    "retrying",
    "blocked",
    "skipped",
    "unplaced",
    "lost",
    "permission_refused",
    "cleaned",
    "idle",
    "error",
  ];

  it("is one safe line per change, and one JSON object per line", () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), hostile, hostile, (kind, title, error) => {
        const p: Progress = { kind, taskId: "T-abcd", title, at: 0, session: "ses_1", attempt: 1, error };
        const line = textLine(p);
        expect(line.endsWith("\n")).toBe(true);
        expect(line.slice(0, -1)).not.toMatch(/[\n\r]/);
        expect(line).not.toMatch(UNSAFE);
        const json = jsonLine(p);
        expect(json.slice(0, -1)).not.toMatch(/\n/);
        expect(JSON.parse(json)).toMatchObject({ progress: { kind, taskId: "T-abcd" } });
      }),
    );
  });

  it("redraws the table in place: the cursor goes up by what was drawn before", () => {
    const out: string[] = [];
    let now = 0;
    const table = createTable(
      (t) => out.push(t),
      () => now,
    );
    table.update({ kind: "started", taskId: "T-a", title: "Schema", at: 0, session: "ses_1", attempt: 1, slot: 0 });
    now = 65_000;
    table.update({ kind: "finished", taskId: "T-a", title: "Schema", at: 65_000, session: "ses_1" });
    expect(out[0]).not.toContain("\x1b[");
    expect(out[1]?.startsWith("\x1b[2F\x1b[J")).toBe(true);
    expect(out[1]).toMatch(/T-a\s+Schema\s+1\s+ses_1\s+1m05s\s+review/);
  });
});
