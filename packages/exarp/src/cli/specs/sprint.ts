import type { CliCommand } from "../command.ts";

const READS = new Set(["report", "check", "list"]);

export const sprint: CliCommand = {
  name: "sprint",
  summary: "Start, end, report on and check sprints: named sets of tasks, recorded in the log",
  usage: "start NAME [ID…] | end [NAME] | report [NAME] | check [ID…] | list",
  arity: [1, 1001],
  options: {
    tag: {
      type: "string",
      short: "t",
      value: "TAG",
      help: "start, check: the unfinished tasks tagged TAG now (instead of IDs)",
    },
    goal: { type: "string", value: "TEXT", help: "start: the sprint's goal, one line" },
    format: {
      type: "string",
      short: "f",
      value: "F",
      help: "report: text (default), md (Markdown) or json (the --json answer)",
    },
    "stale-after": {
      type: "string",
      value: "MIN",
      help: "report: a lease not renewed for MIN minutes is stale (default 15)",
    },
  },
  fields: { name: "NAME", taskIds: "ID", tag: "--tag", goal: "--goal", staleAfterMs: "--stale-after" },
  examples: [
    "exarp sprint check --tag api        # cycles, unknown dependencies, missing estimates (exit 1 if any)",
    'exarp sprint start s1 --tag api --goal "invoices out"',
    "exarp sprint report -f md > sprint.md",
    "exarp sprint end",
  ],
  readOnly: (_values, args) => READS.has(args[0] ?? ""),
  load: async () => (await import("../commands/sprint.ts")).sprint,
};
