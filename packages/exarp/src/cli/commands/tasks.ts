import type { Status } from "../../task/task.ts";
import { type CliCommand, int, list, str, UsageError } from "../command.ts";
import { taskDetail, taskLine, taskTable } from "../render.ts";
import { priorities, priority, statuses } from "../values.ts";
import { explanationLines } from "./graph.ts";
import { writeOptions } from "./status.ts";

const fieldOptions = {
  description: {
    type: "string",
    short: "d",
    value: "TEXT",
    help: "longer description (- reads it from stdin)",
    allowEmpty: true,
  },
  priority: { type: "string", short: "p", value: "P", help: "low, medium (default), high or critical" },
  estimate: { type: "string", short: "e", value: "MIN", help: "estimate in minutes" },
  assignee: { type: "string", value: "WHO", help: "who is expected to do it" },
  parent: { type: "string", value: "ID", help: "parent task" },
} as const;

export const add: CliCommand = {
  name: "add",
  summary: "Create a task (status todo); prints it, with its id",
  usage: "TITLE|-",
  arity: [1, 1],
  options: {
    ...fieldOptions,
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "tag (repeat or comma-separate)" },
    "depends-on": { type: "string", multiple: true, value: "ID", help: "a task this one waits for (repeatable)" },
    quiet: { type: "boolean", short: "q", help: "print only the new task's id (for scripts)" },
  },
  fields: { title: "TITLE" },
  examples: [
    'exarp add "Add login rate limit" -p high -t api,security --depends-on T-k3f9',
    'git log -1 --format=%s | exarp add -     # title from stdin ("-d -" reads the description)',
    'id=$(exarp add "Write the migration" -q)',
  ],
  async run(ctx) {
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
  },
};

export const listCommand: CliCommand = {
  name: "list",
  summary: "List tasks (open ones unless --all or --status)",
  usage: "",
  arity: [0, 0],
  options: {
    status: {
      type: "string",
      short: "s",
      multiple: true,
      value: "S",
      help: "only these statuses (repeat or comma-separate)",
    },
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "only tasks with every one of these tags" },
    priority: { type: "string", short: "p", multiple: true, value: "P", help: "only these priorities" },
    text: { type: "string", short: "q", value: "TEXT", help: "only tasks whose title or description contains TEXT" },
    parent: { type: "string", value: "ID", help: "only subtasks of ID" },
    assignee: { type: "string", value: "WHO", help: "only tasks assigned to WHO" },
    all: { type: "boolean", short: "a", help: "include done and cancelled tasks" },
    limit: { type: "string", short: "n", value: "N", help: "at most N tasks" },
  },
  run(ctx) {
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
  },
};

export const show: CliCommand = {
  name: "show",
  summary: "Show a task: fields, dependencies both ways, comments, history",
  usage: "ID",
  arity: [1, 1],
  run(ctx) {
    const exarp = ctx.exarp();
    const task = exarp.tasks.get(ctx.args[0] as string);
    const history = exarp.history.list({ taskId: task.id, limit: 20 });
    const readiness = exarp.graph.explain(task.id);
    const statusOf = (id: string) => exarp.tasks.find(id)?.status.replace("_", " ") ?? "unknown";
    const why = task.status === "todo" && !readiness.ready ? ["", "not ready:", ...explanationLines(readiness)] : [];
    return { data: { task, readiness, history }, text: [taskDetail(task, history, statusOf), ...why].join("\n") };
  },
};

export const edit: CliCommand = {
  name: "edit",
  summary: "Change a task's fields",
  usage: "ID",
  arity: [1, 1],
  options: {
    title: { type: "string", value: "TEXT", help: "new title" },
    ...fieldOptions,
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "replace all tags" },
    "add-tag": { type: "string", multiple: true, value: "TAG", help: "add a tag" },
    "rm-tag": { type: "string", multiple: true, value: "TAG", help: "remove a tag" },
    clear: { type: "string", multiple: true, value: "FIELD", help: "clear parent, estimate or assignee" },
    ...writeOptions,
  },
  async run(ctx) {
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
  },
};
