import type { Explanation } from "../../graph/explain.ts";
import { planToMermaid } from "../../graph/mermaid.ts";
import type { Plan, ReadyTask } from "../../graph/service.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, int, list, str, UsageError } from "../command.ts";
import { leaseLine, statusLabel, table } from "../render.ts";
import { ttlMs } from "./coordination.ts";

function readyTable(tasks: readonly ReadyTask[]): string {
  if (tasks.length === 0) return "nothing is ready";
  return table(
    ["ID", "PRIORITY", "UNBLOCKS", "TITLE", "TAGS"],
    tasks.map((t) => [inline(t.id), t.priority, String(t.unblocks), inline(t.title, 60), inline(t.tags.join(","))]),
  );
}

/** Lines explaining why a task is not ready; shared by `ready --explain` and `show`. */
export function explanationLines(e: Explanation): string[] {
  return e.reasons.map((r) => `  ${inline(r)}`);
}

export const ready: CliRun = (ctx) => {
  const { graph, tasks, leases } = ctx.exarp();
  if (ctx.values.claim) {
    const result = leases.claimNext({
      tags: list(ctx.values, "tag"),
      can: list(ctx.values, "can"),
      ttlMs: ttlMs(ctx.values),
    });
    if (!result.acquired) return { data: { acquired: false }, text: "nothing ready to claim", exitCode: 1 };
    const { task, ...claim } = result;
    return {
      data: { ...claim, task },
      text: `claimed ${inline(task.id)}  ${inline(task.title)}\n${leaseLine(result.lease)}`,
    };
  }
  const limit = int(ctx.values, "limit");
  const readyTasks = graph.ready({ tags: list(ctx.values, "tag"), limit });
  if (!ctx.values.explain) return { data: { tasks: readyTasks }, text: readyTable(readyTasks) };
  const readyIds = new Set(readyTasks.map((t) => t.id));
  const waiting = tasks
    .list({ status: ["todo"], tags: list(ctx.values, "tag") })
    .filter((t) => !readyIds.has(t.id))
    .slice(0, limit ?? 20)
    .map((t) => graph.explain(t.id));
  const text = [
    readyTable(readyTasks),
    ...(waiting.length ? ["", "not ready:"] : []),
    ...waiting.flatMap((e) => [inline(e.id), ...explanationLines(e)]),
  ];
  return { data: { tasks: readyTasks, notReady: waiting }, text: text.join("\n") };
};

export const next: CliRun = (ctx) => {
  const task = ctx.exarp().graph.next({ can: list(ctx.values, "can"), tags: list(ctx.values, "tag") });
  if (!task) return { data: { task: null }, text: "nothing is ready for you" };
  return {
    data: { task },
    text: `${inline(task.id)}  ${inline(task.title)}\npriority ${task.priority} · unblocks ${task.unblocks} · tags ${inline(task.tags.join(", ")) || "none"}`,
  };
};

function planText(plan: Plan, title: (id: string) => string): string {
  const lines = plan.waves.flatMap((wave, i) => [
    `wave ${i} (${wave.length})`,
    ...wave.map((id) => `  ${inline(id)}  ${title(id)}`),
  ]);
  if (!lines.length)
    lines.push(
      plan.unschedulable.length
        ? `nothing can start: ${plan.unschedulable.length} unfinished task(s) wait on cycles or on tasks that do not exist`
        : "no unfinished work",
    );
  lines.push("", `max parallelism ${plan.maxParallelism}`);
  if (plan.criticalPath.tasks.length) {
    lines.push(
      `critical path (${plan.criticalPath.total} min, estimates; 1 where missing): ${plan.criticalPath.tasks.map((id) => inline(id)).join(" → ")}`,
    );
  }
  for (const u of plan.unschedulable) {
    const why =
      u.reason === "unknown-dependency"
        ? `depends on ${u.via}, which does not exist`
        : u.reason === "cycle"
          ? `is on a dependency cycle (via ${u.via})`
          : `waits on ${u.via}, which cannot start`;
    lines.push(inline(`cannot start: ${u.id} ${why}`));
  }
  for (const c of plan.cycles) lines.push(inline(`cycle: ${c.join(" → ")}`));
  return lines.join("\n");
}

export const plan: CliRun = (ctx) => {
  const format = str(ctx.values, "format") ?? "text";
  if (!["text", "mermaid"].includes(format))
    throw new UsageError(`--format takes text or mermaid, not ${JSON.stringify(format)}`);
  const { graph, tasks } = ctx.exarp();
  const result = graph.plan({ cap: int(ctx.values, "cap") });
  const title = (id: string) => tasks.find(id)?.title ?? "";
  if (format === "mermaid") {
    const titles = new Map(result.waves.flat().map((id) => [id, title(id)]));
    return { data: { plan: result }, text: planToMermaid(graph.graph(), result, result.criticalPath.tasks, titles) };
  }
  const label = (id: string) => {
    const t = tasks.find(id);
    return t ? `${inline(t.title, 60)}${t.status === "todo" ? "" : ` [${statusLabel(t.status)}]`}` : "";
  };
  return { data: { plan: result }, text: planText(result, label) };
};
