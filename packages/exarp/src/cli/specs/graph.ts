import type { CliCommand } from "../command.ts";
import { ttlOption } from "./options.ts";

export const ready: CliCommand = {
  name: "ready",
  summary: "List tasks ready to start: todo, every blocker finished, best first",
  usage: "",
  arity: [0, 0],
  options: {
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "only tasks with every one of these tags" },
    limit: { type: "string", short: "n", value: "N", help: "at most N tasks (and N explanations)" },
    explain: { type: "boolean", help: "also say why each waiting todo task is not ready" },
    claim: { type: "boolean", help: "claim the best one for --as in the same transaction (exit 1 if none)" },
    can: {
      type: "string",
      multiple: true,
      value: "TAGS",
      help: "with --claim: only tasks whose tags the agent can do (* = any)",
    },
    ...ttlOption,
  },
  examples: ["exarp ready --claim --as agent:build --session ses_1 --can api,db"],
  readOnly: (values) => values.claim !== true,
  load: async () => (await import("../commands/graph.ts")).ready,
};

export const next: CliCommand = {
  name: "next",
  summary: "The top ready task for an agent (optionally only tags it can do)",
  usage: "",
  arity: [0, 0],
  options: {
    can: {
      type: "string",
      multiple: true,
      value: "TAGS",
      help: "capability tags of the agent; a task needs all its tags covered (* = any)",
    },
    tag: { type: "string", short: "t", multiple: true, value: "TAG", help: "only tasks with every one of these tags" },
  },
  examples: ["exarp next --as agent:db --can db,sql"],
  readOnly: true,
  load: async () => (await import("../commands/graph.ts")).next,
};

export const plan: CliCommand = {
  name: "plan",
  summary: "Execution waves over unfinished work, max parallelism and the critical path",
  usage: "",
  arity: [0, 0],
  options: {
    cap: { type: "string", value: "N", help: "at most N tasks per wave" },
    format: {
      type: "string",
      short: "f",
      value: "F",
      help: "text (default) or mermaid (a diagram to paste into Markdown)",
    },
  },
  readOnly: true,
  load: async () => (await import("../commands/graph.ts")).plan,
};
