import { type CliCommand, int, UsageError } from "../command.ts";
import { writeOptions } from "./status.ts";

export const dep: CliCommand = {
  name: "dep",
  summary: "Add or remove a dependency: TASK depends on BLOCKER",
  usage: "add|rm TASK BLOCKER",
  arity: [3, 3],
  options: writeOptions,
  fields: { taskId: "TASK" },
  examples: ["exarp dep add T-api T-schema   # T-api waits for T-schema"],
  run(ctx) {
    const [action, taskId, blockerId] = ctx.args as [string, string, string];
    if (action !== "add" && action !== "rm" && action !== "remove")
      throw new UsageError(`dep takes add or rm, not ${JSON.stringify(action)}`);
    const input = {
      taskId,
      blockerId,
      expectedVersion: int(ctx.values, "expect-version"),
      lease: int(ctx.values, "lease"),
    };
    const tasks = ctx.exarp().tasks;
    const task = action === "add" ? tasks.addDependency(input) : tasks.removeDependency(input);
    return {
      data: { task },
      text: `${task.id} ${action === "add" ? "now depends" : "no longer depends"} on ${blockerId}`,
    };
  },
};

export const comment: CliCommand = {
  name: "comment",
  summary: "Add a comment to a task (TEXT, or - to read it from stdin)",
  usage: "ID TEXT|-",
  arity: [2, 2],
  options: { lease: writeOptions.lease },
  examples: [
    "exarp comment T-k3f9 'Found the cause: the cache key ignores the locale'",
    "make test 2>&1 | tail -20 | exarp comment T-k3f9 -",
  ],
  async run(ctx) {
    const [taskId, text] = ctx.args as [string, string];
    const body = text === "-" ? (await ctx.readStdin()).replace(/\n$/, "") : text;
    const c = ctx.exarp().tasks.comment({ taskId, body, lease: int(ctx.values, "lease") });
    return { data: { comment: c }, text: `commented on ${c.taskId} (${c.id})` };
  },
};
