import { type CliCommand, int, UsageError } from "../command.ts";
import { writeOptions } from "./status.ts";

export const dep: CliCommand = {
  name: "dep",
  summary: "Add or remove a dependency: TASK depends on BLOCKER",
  usage: "add|rm TASK BLOCKER",
  arity: [3, 3],
  options: writeOptions,
  examples: ["exarp dep add T-api T-schema   # T-api waits for T-schema"],
  run(ctx) {
    const [action, taskId, blockerId] = ctx.args as [string, string, string];
    const input = {
      taskId,
      blockerId,
      expectedVersion: int(ctx.values, "expect-version"),
      lease: int(ctx.values, "lease"),
    };
    const tasks = ctx.exarp().tasks;
    if (action === "add") {
      const task = tasks.addDependency(input);
      return { data: task, text: `${taskId} now depends on ${blockerId}` };
    }
    if (action === "rm" || action === "remove") {
      const task = tasks.removeDependency(input);
      return { data: task, text: `${taskId} no longer depends on ${blockerId}` };
    }
    throw new UsageError(`dep takes add or rm, not ${JSON.stringify(action)}`);
  },
};

export const comment: CliCommand = {
  name: "comment",
  summary: "Add a comment to a task (shown by `show`)",
  usage: "ID TEXT",
  arity: [2, 2],
  run(ctx) {
    const c = ctx.exarp().tasks.comment({ taskId: ctx.args[0] as string, body: ctx.args[1] as string });
    return { data: c, text: `commented on ${c.taskId} (${c.id})` };
  },
};
