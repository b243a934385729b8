import { DEFAULT_CONTEXT_BUDGET } from "../../context/render.ts";
import type { CliCommand } from "../command.ts";

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
  readOnly: true,
  load: async () => (await import("../commands/prime.ts")).prime,
};
