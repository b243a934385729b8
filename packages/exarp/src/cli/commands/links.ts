import { type CliRun, int, UsageError } from "../command.ts";

export const dep: CliRun = (ctx) => {
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
};

export const comment: CliRun = async (ctx) => {
  const [taskId, text] = ctx.args as [string, string];
  const body = text === "-" ? (await ctx.readStdin()).replace(/\n$/, "") : text;
  const c = ctx.exarp().tasks.comment({ taskId, body, lease: int(ctx.values, "lease") });
  return { data: { comment: c }, text: `commented on ${c.taskId} (${c.id})` };
};
