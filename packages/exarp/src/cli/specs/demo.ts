import type { CliCommand } from "../command.ts";

export const demo: CliCommand = {
  name: "demo",
  summary: "Seed a realistic demo project in a temp folder and show its board, ready work, plan and history",
  usage: "",
  arity: [0, 0],
  options: { dir: { type: "string", value: "DIR", help: "seed DIR instead of a new temp folder" } },
  load: async () => (await import("../commands/demo.ts")).demo,
};
