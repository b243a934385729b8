import type { CliCommand } from "../command.ts";
import { writeOptions } from "./options.ts";

export const dep: CliCommand = {
  name: "dep",
  summary: "Add or remove a dependency: TASK depends on BLOCKER",
  usage: "add|rm TASK BLOCKER",
  arity: [3, 3],
  options: writeOptions,
  fields: { taskId: "TASK" },
  examples: ["exarp dep add T-api T-schema   # T-api waits for T-schema"],
  load: async () => (await import("../commands/links.ts")).dep,
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
  load: async () => (await import("../commands/links.ts")).comment,
};
