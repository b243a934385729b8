import type { Status } from "../../task/task.ts";
import { type CliCommand, int, str } from "../command.ts";
import { statusLabel, taskLine } from "../render.ts";

function statusCommand(
  name: string,
  to: Status,
  summary: string,
  reasonHelp = "why (recorded in history)",
): CliCommand {
  return {
    name,
    summary,
    usage: "ID",
    arity: [1, 1],
    options: {
      reason: { type: "string", short: "r", value: "TEXT", help: reasonHelp },
      "expect-version": { type: "string", value: "N", help: "refuse unless the task is still at version N" },
    },
    run(ctx) {
      const task = ctx.exarp().tasks.setStatus({
        id: ctx.args[0] as string,
        to,
        reason: str(ctx.values, "reason"),
        expectedVersion: int(ctx.values, "expect-version"),
      });
      return { data: task, text: `${taskLine(task)} → ${statusLabel(to)}` };
    },
  };
}

export const statusCommands: CliCommand[] = [
  statusCommand("start", "in_progress", "Move a task to in progress"),
  statusCommand("review", "review", "Move a task to review (work finished, awaiting approval)"),
  statusCommand("done", "done", "Move a task from review to done"),
  statusCommand("block", "blocked", "Mark a task blocked", "what it waits for"),
  statusCommand("cancel", "cancelled", "Cancel a task"),
  statusCommand("reopen", "todo", "Move a task back to todo (from done, cancelled, blocked, in progress)"),
];
