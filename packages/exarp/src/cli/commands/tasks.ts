import type { Status } from "../../task/task.ts";
import { type CliRun, int, list, str, UsageError } from "../command.ts";
import { taskDetail, taskLine, taskTable } from "../render.ts";
import { priorities, priority, statuses } from "../values.ts";
import { explanationLines } from "./graph.ts";

export const add: CliRun = async (ctx) => {
  const v = ctx.values;
  const title = ctx.args[0] as string;
  const description = str(v, "description");
  if (title === "-" && description === "-")
    throw new UsageError("only one of TITLE and --description can be read from stdin");
  const stdin = title === "-" || description === "-" ? (await ctx.readStdin()).replace(/\n$/, "") : undefined;
  const task = ctx.exarp().tasks.create({
    title: title === "-" ? (stdin as string) : title,
    description: description === "-" ? stdin : description,
    priority: priority(v),
    tags: list(v, "tag"),
    parentId: str(v, "parent"),
    estimate: int(v, "estimate"),
    assignee: str(v, "assignee"),
    dependsOn: list(v, "depends-on"),
  });
  return { data: { task }, text: v.quiet ? task.id : `created ${taskLine(task)}` };
};

export const listCommand: CliRun = (ctx) => {
  const v = ctx.values;
  const open: Status[] = ["todo", "in_progress", "review", "blocked"];
  const tasks = ctx.exarp().tasks.list({
    status: statuses(v) ?? (v.all ? undefined : open),
    tags: list(v, "tag"),
    priority: priorities(v),
    text: str(v, "text"),
    parentId: str(v, "parent"),
    assignee: str(v, "assignee"),
    limit: int(v, "limit"),
  });
  return { data: { tasks }, text: taskTable(tasks) };
};

export const show: CliRun = (ctx) => {
  const exarp = ctx.exarp();
  const task = exarp.tasks.get(ctx.args[0] as string);
  const history = exarp.history.list({ taskId: task.id, limit: 20 });
  const readiness = exarp.graph.explain(task.id);
  const statusOf = (id: string) => exarp.tasks.find(id)?.status.replace("_", " ") ?? "unknown";
  const why = task.status === "todo" && !readiness.ready ? ["", "not ready:", ...explanationLines(readiness)] : [];
  return { data: { task, readiness, history }, text: [taskDetail(task, history, statusOf), ...why].join("\n") };
};

export const edit: CliRun = async (ctx) => {
  const v = ctx.values;
  const exarp = ctx.exarp();
  const id = ctx.args[0] as string;
  const cleared = new Set(list(v, "clear"));
  for (const field of cleared) {
    if (!["parent", "estimate", "assignee"].includes(field))
      throw new UsageError(`--clear takes parent, estimate or assignee, not ${JSON.stringify(field)}`);
  }
  let tags = list(v, "tag");
  const adding = list(v, "add-tag");
  const removing = list(v, "rm-tag");
  if (adding || removing) {
    const current = tags ?? exarp.tasks.get(id).tags;
    tags = [...current, ...(adding ?? [])].filter((t) => !removing?.includes(t));
  }
  const description = str(v, "description");
  const task = exarp.tasks.edit({
    id,
    expectedVersion: int(v, "expect-version"),
    lease: int(v, "lease"),
    title: str(v, "title"),
    description: description === "-" ? (await ctx.readStdin()).replace(/\n$/, "") : description,
    priority: priority(v),
    tags,
    parentId: cleared.has("parent") ? null : str(v, "parent"),
    estimate: cleared.has("estimate") ? null : int(v, "estimate"),
    assignee: cleared.has("assignee") ? null : str(v, "assignee"),
  });
  return { data: { task }, text: `edited ${taskLine(task)} (version ${task.version})` };
};
