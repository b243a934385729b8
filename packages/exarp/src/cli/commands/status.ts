import type { Status } from "../../task/task.ts";
import { type CliContext, type CliRun, int, str } from "../command.ts";
import { statusLabel, taskLine } from "../render.ts";

/** The target status of each move verb. */
const TARGET: Record<string, Status> = {
  start: "in_progress",
  review: "review",
  done: "done",
  block: "blocked",
  cancel: "cancelled",
  reopen: "todo",
};

/** The guards of a status move as the command line gives them. */
function guards(ctx: CliContext) {
  return {
    reason: str(ctx.values, "reason"),
    expectedVersion: int(ctx.values, "expect-version"),
    lease: int(ctx.values, "lease"),
  };
}

/** The run of one move verb (`start`, `done`, …). */
export function move(verb: string): CliRun {
  const to = TARGET[verb] as Status;
  return (ctx) => {
    const task = ctx.exarp().tasks.setStatus({ id: ctx.args[0] as string, to, ...guards(ctx) });
    return { data: { task }, text: `${taskLine(task)} → ${statusLabel(to)}` };
  };
}

/** `review --wait SEC`: ask for approval and block until a decision (exit 0 approved, 1 otherwise). */
export const review: CliRun = async (ctx) => {
  const wait = int(ctx.values, "wait");
  if (wait === undefined) return move("review")(ctx);
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
};
