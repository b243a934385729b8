import type { CliCommand } from "../command.ts";
import { writeOptions } from "./options.ts";

/** A workflow move: one verb per target status, all taking the same guards. */
function statusCommand(name: string, summary: string, reasonHelp = "why (recorded in history)"): CliCommand {
  return {
    name,
    summary,
    usage: "ID",
    arity: [1, 1],
    options: { reason: { type: "string", short: "r", value: "TEXT", help: reasonHelp }, ...writeOptions },
    load: async () => (await import("../commands/status.ts")).move(name),
  };
}

const moveToReview = statusCommand(
  "review",
  "Move a task to review: opens an approval request (--wait: block until it is decided)",
);

export const statusCommands: CliCommand[] = [
  statusCommand("start", "Move a task to in progress"),
  {
    ...moveToReview,
    options: {
      ...moveToReview.options,
      wait: { type: "string", value: "SEC", help: "wait up to SEC seconds for the decision; exit 0 only if approved" },
    },
    load: async () => (await import("../commands/status.ts")).review,
  },
  statusCommand(
    "done",
    "Complete a task in review: a person other than whoever asked for the review approves it, and it is done",
    "a note kept with the approval",
  ),
  statusCommand("block", "Mark a task blocked", "what it waits for"),
  statusCommand("cancel", "Cancel a task"),
  statusCommand("reopen", "Move a task back to todo (from done, cancelled, blocked, in progress)"),
];
