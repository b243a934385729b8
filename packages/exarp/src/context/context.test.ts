import { describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { exportTaskLine } from "../../test/support/expect.ts";
import { type ContextData, renderContext } from "./render.ts";

const counts = { todo: 0, in_progress: 0, review: 0, done: 0, blocked: 0, cancelled: 0 };

describe("agent context", () => {
  it("stays within its byte budget whatever the number of tasks, summarising the rest", () => {
    const ready = Array.from({ length: 5000 }, (_, i) => ({
      id: `T-${i}`,
      title: `${"long title ".repeat(20)}${i}`,
      priority: "high",
      status: "todo" as const,
    }));
    const data: ContextData = {
      role: "build",
      counts: { ...counts, todo: 5000 },
      mine: [],
      ready,
      readyTotal: ready.length,
      approvals: [],
    };
    for (const budget of [512, 2048, 4096]) {
      const text = renderContext(data, budget);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(budget);
      expect(text.split("\n").at(-1)).toMatch(/^- \+\d+ more$/);
      expect(text).not.toContain("long title long title long title long title long title long title long title…x");
    }
  });

  it("says the real remainder of the ready list, not what the budget cut", () => {
    const { exarp } = testExarp();
    for (let i = 0; i < 30; i++) exarp.tasks.create({ title: `task ${i}` });
    const text = exarp.context.render({ ready: 3 });
    expect(text.split("\n").slice(-4)).toEqual([
      ...Array.from({ length: 3 }, () => expect.stringMatching(/^- T-\w+ \[medium\] task \d+$/)),
      "- +27 more",
    ]);
  });

  it("neutralises control and bidi characters that reached the data (an old import)", () => {
    const data: ContextData = {
      role: "build",
      counts,
      mine: [],
      ready: [
        { id: "T-1", title: "evil\u001b]52;c;aGk=\u0007 \u202eoops\nfake line", priority: "high", status: "todo" },
      ],
      readyTotal: 1,
      approvals: [],
    };
    const text = renderContext(data);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text.split("\n")).toHaveLength(3);
    expect(text).toContain("\\x1b]52;c;aGk=\\x07 \\u202eoops fake line");
  });

  it("puts the session's own tasks first, then ready work, with counts on top", () => {
    const { exarp } = testExarp();
    const me = exarp.as({ name: "agent:build", session: "ses_1" });
    const a = exarp.tasks.create({ title: "mine", priority: "low" });
    const b = exarp.tasks.create({ title: "other", priority: "critical" });
    const c = exarp.tasks.create({ title: "in review", priority: "low" });
    me.leases.claim({ taskId: a.id });
    me.leases.claim({ taskId: c.id });
    me.tasks.setStatus({ id: c.id, to: "review" });
    const text = me.context.render();
    expect(text.split("\n")).toEqual([
      "exarp tasks: 3 open (1 todo, 1 in progress, 1 in review, 0 blocked), 0 done.",
      "Your tasks:",
      expect.stringMatching(new RegExp(`^- ${a.id} \\[low\\] mine \\(yours, lease #\\d+ until \\d\\d:\\d\\d UTC\\)$`)),
      `- ${c.id} [low] in review (in review, waiting for approval)`,
      "Next ready:",
      `- ${b.id} [critical] other`,
    ]);
    expect(exarp.as({ name: "user:ana", session: null }).context.render({ role: "review" })).toContain(
      `Waiting for your review:\n- ${c.id} [low] in review (asked by agent:build)`,
    );
  });

  it("gives plan agents the waves and the critical path", () => {
    const { exarp } = testExarp();
    const a = exarp.tasks.create({ title: "a", estimate: 30 });
    const b = exarp.tasks.create({ title: "b", dependsOn: [a.id], estimate: 20 });
    expect(exarp.context.render({ role: "plan" })).toContain(
      `Plan:\n- 2 waves, up to 1 tasks in parallel\n- critical path (50 min): ${a.id} → ${b.id}\n- wave 0: ${a.id}`,
    );
  });

  it("renders 5,000 real tasks within 2 KB", () => {
    const { exarp } = testExarp();
    const lines = Array.from({ length: 5000 }, (_, i) =>
      exportTaskLine(`X-${i}`, i % 3 ? "todo" : "done", [], {
        title: `task ${i} ${"with a long and descriptive title ".repeat(3)}`,
      }),
    );
    exarp.as({ name: "user:ana", session: null }).transfer.importText(lines.join("\n"));
    for (const role of ["build", "plan", "review"] as const) {
      expect(Buffer.byteLength(exarp.context.render({ role }))).toBeLessThanOrEqual(2048);
    }
  });
});
