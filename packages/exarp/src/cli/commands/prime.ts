import { DEFAULT_CONTEXT_BUDGET } from "../../context/render.ts";
import { type CliCommand, int, str, UsageError } from "../command.ts";

export const prime: CliCommand = {
  name: "prime",
  summary: "The budgeted task context an agent reads: its own tasks, then ready work, then counts",
  usage: "",
  arity: [0, 0],
  options: {
    role: {
      type: "string",
      value: "ROLE",
      help: "build (default), plan (adds waves and critical path) or review (adds approvals)",
    },
    budget: { type: "string", value: "BYTES", help: `at most BYTES bytes (default ${DEFAULT_CONTEXT_BUDGET})` },
  },
  examples: ["EXARP_AGENT=agent:build EXARP_SESSION=ses_1 exarp prime"],
  run(ctx) {
    const role = str(ctx.values, "role") ?? "build";
    if (role !== "build" && role !== "plan" && role !== "review")
      throw new UsageError(`--role takes build, plan or review, not ${JSON.stringify(role)}`);
    const text = ctx.exarp().context.render({ role, budget: int(ctx.values, "budget") });
    return { data: { context: text }, text };
  },
};
