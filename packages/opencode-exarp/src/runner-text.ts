// Text a runner's session reads (runner mode), and the answers of the tool and command that start a
// runner. Each string is a prompt: short and true. Task fields go through `inline`.
import { inline } from "exarp";

/** Heading of a runner session's context, in the system prompt and the first message. */
export const RUNNER_HEADING =
  "[exarp] You are an exarp runner session, started for one task. Work on that task alone; nothing else is yours here.";

/** How a runner session hands its task in: the runner records its last message and asks for review. */
const HAND_IN =
  "when you are done, end your turn with a short summary of what you changed and how you checked it (or why you could not finish): the runner records it on the task and sends the task to a person for review. Do not move the task yourself.";

/** Bytes the list of tasks waiting on the session's task may take; the rest become "+N more". */
const WAITING_BUDGET = 300;

/** The session's one task as the runner context shows it. */
export type RunnerTaskView = {
  taskId: string;
  /** The task's line (taskLine), or undefined when the task is gone. */
  line?: string;
  status?: string;
  /** The tasks that depend on it. */
  dependents: readonly string[];
  /** The session's live lease on it. */
  lease?: { token: number; holder: string; expiresAt: number };
};

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** The runner session's context: its task, its lease, what waits on it, and how to hand it in. */
export function runnerContext(view: RunnerTaskView): string {
  const id = inline(view.taskId, 40);
  if (!view.line) return `${RUNNER_HEADING}\ntask ${id} no longer exists. Stop.`;
  const shown: string[] = [];
  let bytes = 0;
  for (const d of view.dependents) {
    const piece = inline(d, 40);
    bytes += Buffer.byteLength(piece) + 2;
    if (bytes > WAITING_BUDGET) break;
    shown.push(piece);
  }
  const rest = view.dependents.length - shown.length;
  const lines = [
    RUNNER_HEADING,
    `task: ${view.line}`,
    view.lease
      ? `lease: #${view.lease.token}, held by ${inline(view.lease.holder, 80)} for this session until ${hhmm(view.lease.expiresAt)} UTC (renewed while you work)`
      : "lease: none (released or run out): do not change the task without it.",
    shown.length ? `waiting on it: ${shown.join(", ")}${rest > 0 ? ` +${rest} more` : ""}` : "nothing waits on it.",
  ];
  if (view.status === "review" || view.status === "done" || view.status === "cancelled")
    lines.push(`It is ${view.status}: your work here is over. Stop.`);
  else lines.push(`Hand in: ${HAND_IN}`);
  return lines.join("\n");
}

/** Answers of the tools in a runner session, where only the session's own task is in play. */
export const runnerText = {
  onlyYours: (taskId: string) =>
    `You are a runner session: your task is ${inline(taskId)} and nothing else. Finish it, then end with your summary.`,
  runnerHandsIn: `The runner moves your task and holds its lease: ${HAND_IN}`,
  noRunnerInRunner: "A runner session cannot start a runner.",
} as const;

/** The tool's description (a prompt). */
export const RUN_TOOL_DESCRIPTION =
  "Start the exarp runner in the background on the ready tasks: one OpenCode session per task, in parallel; finished work lands in review for a person. Only when the user asks for it. Answers at once.";

/** What starting a runner answers (tool and /run). */
export const launchText = {
  started: (pid: number, argv: string, log: string, ownServer: boolean) =>
    `Started the exarp runner (pid ${pid}): ${inline(argv, 400)}. It works the ready tasks in parallel sessions until nothing is ready; finished work lands in review.${ownServer ? " This OpenCode server cannot be reached from another process, so the runner starts its own." : ""} Output: ${inline(log, 300)}.`,
  running: (pid: number, log: string) =>
    `An exarp runner is already running (pid ${pid}); output: ${inline(log, 300)}. Nothing started.`,
  noCli:
    "Could not find the exarp command line (no exarp package next to the project or the plugin, no exarp on PATH, no EXARP_CLI). Nothing started.",
  noNode: "Could not find node on PATH to run the exarp command line. Nothing started.",
  failed: (message: string) => `Could not start the exarp runner: ${inline(message, 400)}. Nothing started.`,
  usage: "Usage: /run [MAX_SESSIONS]",
} as const;

/** The /run slash command (registered with the others). */
export const RUN_COMMAND = {
  description: "exarp: start the runner on the ready tasks (/run [max sessions])",
  template: "Tell me in one or two lines what this says about the exarp runner. Do not start any work yourself.",
} as const;
