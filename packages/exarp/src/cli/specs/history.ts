import type { CliCommand } from "../command.ts";

export const history: CliCommand = {
  name: "history",
  summary: "Show the event log (newest last), for the project or one task",
  usage: "[ID]",
  arity: [0, 1],
  options: {
    limit: { type: "string", short: "n", value: "N", help: "the newest N events (default 50)" },
    after: { type: "string", value: "SEQ", help: "every event after SEQ (a change cursor)" },
  },
  readOnly: true,
  load: async () => (await import("../commands/history.ts")).history,
};

export const undo: CliCommand = {
  name: "undo",
  summary: "Revert your last change (or anyone's, by the number of one of its events) with compensating events",
  usage: "[SEQ]",
  arity: [0, 1],
  examples: ["exarp undo        # your own latest change", "exarp undo 42     # the change that holds event #42"],
  load: async () => (await import("../commands/history.ts")).undo,
};

export const audit: CliCommand = {
  name: "audit",
  summary:
    "Print the audit trail (.exarp/audit.jsonl, rotated files included; the database's log over PostgreSQL), filtered",
  usage: "",
  arity: [0, 0],
  options: {
    task: { type: "string", value: "ID", help: "only events about task ID" },
    type: { type: "string", value: "TYPE", help: "only events of TYPE (prefix match: `lease.`)" },
    actor: { type: "string", value: "WHO", help: "only events by WHO" },
    after: { type: "string", value: "SEQ", help: "only events after SEQ" },
  },
  examples: ["exarp audit --type task.status_changed --task T-k3f9"],
  readOnly: true,
  load: async () => (await import("../commands/history.ts")).audit,
};
