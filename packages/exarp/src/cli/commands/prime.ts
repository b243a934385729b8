import { type CliRun, int, str, UsageError } from "../command.ts";

export const prime: CliRun = (ctx) => {
  const role = str(ctx.values, "role") ?? "build";
  if (role !== "build" && role !== "plan" && role !== "review")
    throw new UsageError(`--role takes build, plan or review, not ${JSON.stringify(role)}`);
  const text = ctx.exarp().context.render({ role, budget: int(ctx.values, "budget") });
  return { data: { context: text }, text };
};
