import type { Status } from "../../task/task.ts";
import { type CliCommand, type CliContext, int, str } from "../command.ts";
import { statusLabel, taskLine } from "../render.ts";

/** Options every write command takes: optimistic concurrency and lease fencing. */
export const writeOptions = {
  "expect-version": { type: "string", value: "N", help: "refuse unless the task is still at version N" },
  lease: { type: "string", value: "TOKEN", help: "your lease's fencing token: refused if it is no longer valid" },
} as const;

/** The guards of a status move as the command line gives them. */
function guards(ctx: CliContext) {
  return {
    reason: str(ctx.values, "reason"),
    expectedVersion: int(ctx.values, "expect-version"),
    lease: int(ctx.values, "lease"),
  };
}

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
    options: { reason: { type: "string", short: "r", value: "TEXT", help: reasonHelp }, ...writeOptions },
    run(ctx) {
      const task = ctx.exarp().tasks.setStatus({ id: ctx.args[0] as string, to, ...guards(ctx) });
      return { data: { task }, text: `${taskLine(task)} → ${statusLabel(to)}` };
    },
  };
}

const moveToReview = statusCommand(
  "review",
  "review",
  "Move a task to review: opens an approval request (--wait: block until it is decided)",
);

/** `review --wait SEC`: ask for approval and block until a decision (exit 0 approved, 1 otherwise). */
const review: CliCommand = {
  ...moveToReview,
  options: {
    ...moveToReview.options,
    wait: { type: "string", value: "SEC", help: "wait up to SEC seconds for the decision; exit 0 only if approved" },
  },
  async run(ctx) {
    const wait = int(ctx.values, "wait");
    if (wait === undefined) return moveToReview.run(ctx);
    const exarp = ctx.exarp();
    const taskId = ctx.args[0] as string;
    const decision = await exarp.approvals.request({ taskId, timeoutMs: wait * 1000, ...guards(ctx) });
    const by = decision.by ? ` by ${decision.by}` : "";
    const text = `${decision.outcome}${by}${decision.reason ? `: ${decision.reason}` : ""}`;
    return {
      data: { decision, task: exarp.tasks.get(taskId) },
      text,
      exitCode: decision.outcome === "approved" ? 0 : 1,
    };
  },
};

export const statusCommands: CliCommand[] = [
  statusCommand("start", "in_progress", "Move a task to in progress"),
  review,
  statusCommand(
    "done",
    "done",
    "Complete a task in review: a person other than whoever asked for the review approves it, and it is done",
    "a note kept with the approval",
  ),
  statusCommand("block", "blocked", "Mark a task blocked", "what it waits for"),
  statusCommand("cancel", "cancelled", "Cancel a task"),
  statusCommand("reopen", "todo", "Move a task back to todo (from done, cancelled, blocked, in progress)"),
];
