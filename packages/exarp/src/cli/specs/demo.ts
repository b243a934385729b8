import type { CliCommand } from "../command.ts";

export const demo: CliCommand = {
  name: "demo",
  summary:
    "Seed a realistic demo project (a new temp folder, or --dir once) and show its board, ready work, plan and history",
  usage: "",
  arity: [0, 0],
  options: {
    dir: {
      type: "string",
      value: "DIR",
      help: "seed DIR instead of a new temp folder; a DIR seeded before is shown as it is",
    },
  },
  load: async () => (await import("../commands/demo.ts")).demo,
};
