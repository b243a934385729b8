import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedDemo } from "../../app/demo.ts";
import { initProject } from "../../app/project.ts";
import type { Status, Task } from "../../task/task.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, str } from "../command.ts";
import { eventLine, leaseLine, statusLabel } from "../render.ts";

const COLUMNS: Status[] = ["todo", "in_progress", "review", "done", "blocked"];

function board(tasks: readonly Task[]): string {
  return COLUMNS.map((status) => {
    const inColumn = tasks.filter((t) => t.status === status);
    return [
      `${statusLabel(status).toUpperCase()} (${inColumn.length})`,
      ...inColumn.map((t) => `  ${t.id}  ${inline(t.title, 56)}`),
    ].join("\n");
  }).join("\n\n");
}

export const demo: CliRun = (ctx) => {
  const dirOption = str(ctx.values, "dir");
  const dir = dirOption ? resolve(ctx.cwd, dirOption) : mkdtempSync(join(tmpdir(), "exarp-demo-"));
  const exarp = initProject(dir, { warn: (m) => ctx.note(`exarp: warning: ${m}`) });
  try {
    // Seeded once: a folder that already holds tasks is shown as it is (what `npm start` reuses).
    const seeded = exarp.feed.head() > 0;
    if (!seeded) seedDemo(exarp);
    const tasks = exarp.tasks.list({});
    const ready = exarp.graph.ready();
    const plan = exarp.graph.plan();
    const history = exarp.history.list({ limit: 12 });
    const leases = exarp.leases.list();
    const pending = exarp.approvals.pending();
    const text = [
      `demo project: ${dir}${seeded ? " (seeded before; shown as it is now)" : ""}`,
      "",
      "== board",
      board(tasks),
      "",
      "== ready to start (todo, every blocker finished, best first)",
      ...ready.map((t) => `  ${t.id}  ${t.priority.padEnd(8)}  unblocks ${t.unblocks}  ${inline(t.title, 50)}`),
      "",
      "== leases (who works on what, until when)",
      ...leases.map((l) => `  ${leaseLine(l)}`),
      "",
      "== waiting for a person's approval (exarp done ID approves it / exarp deny ID --reason …)",
      ...pending.map((a) => `  ${a.taskId}  asked by ${a.requestedBy}  ${inline(a.title, 50)}`),
      "",
      "== plan",
      ...plan.waves.map((w, i) => `  wave ${i}: ${w.join(" ")}`),
      `  critical path (${plan.criticalPath.total} min): ${plan.criticalPath.tasks.join(" → ")}`,
      "",
      "== history (latest 12 of the hash-chained log)",
      ...history.map((e) => `  ${eventLine(e)}`),
      "",
      `try: npx exarp -C ${dir} show ${ready[0]?.id ?? tasks[0]?.id}   ·   npx exarp -C ${dir} plan -f mermaid`,
    ];
    return { data: { dir, seeded, tasks, ready, leases, approvals: pending, plan, history }, text: text.join("\n") };
  } finally {
    exarp.close();
  }
};
