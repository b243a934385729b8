// Text the model reads. Each string is a prompt: short, exact, and reviewed as prose.
// Every task field interpolated here (ids, titles, identities, reasons) goes through `inline`: titles,
// comments and identities may hold control or bidi characters from imports.
import { inline } from "exarp";

/**
 * The plugin's tool names. OpenCode names an MCP server's tools `<server>_<tool>`, so the exarp MCP
 * server's tools arrive as exarp_tasks, exarp_claim, exarp_prime…, and an MCP tool silently replaces a
 * plugin tool of the same name. None of these is `exarp_` + an MCP tool name (see tools.test.ts).
 */
export const TOOL = {
  board: "exarp_board",
  next: "exarp_next",
  lease: "exarp_lease",
  move: "exarp_move",
  comment: "exarp_comment",
  add: "exarp_add",
  context: "exarp_context",
  run: "exarp_run",
} as const;

/** Heading of the synthetic part on a session's first message. */
export const FIRST_MESSAGE_HEADING = "[exarp] Task state at the start of this session:";

/** Heading of the system-prompt block. */
export const SYSTEM_HEADING = `You share an exarp task graph with other agents and people. Claim a task before working on it (${TOOL.lease}), move it to review when done (${TOOL.move}), and never work on a task someone else holds.`;

/** Heading of the task state handed to compaction. */
export const COMPACTION_HEADING = "Task state to keep after compaction (from exarp):";

/** Prefix of the one-line reminder appended to tool output. */
export const REMINDER_PREFIX = "[exarp] your tasks:";

/** Budget of the reminder line, in bytes. */
export const REMINDER_BUDGET = 240;

export const SUBAGENT_REFUSAL =
  "exarp task changes are for the primary agent. Report what you found to it; it claims and moves tasks.";

export const NO_PROJECT = "There is no exarp project here (no .exarp/ folder). Ask the user to run `exarp init`.";

/** A write that kept meeting another process's write lock. */
export const BUSY = "exarp is busy: another process is writing to the task database. Nothing changed; retry shortly.";

export const toolDescriptions = {
  board:
    "List exarp tasks (open ones by default), or show one task (id) with its dependencies, comments and latest history.",
  next: "The best ready task for you (todo, every blocker finished). With claim=true, also lease it to you and start it.",
  lease: "Lease a task to this session and start it (exclusive; renewed while you work). release=true gives it back.",
  move: "Move a task: in_progress, review (asks a person for approval; do this when your work is finished), blocked, todo, cancelled. done needs a person's approval.",
  comment: "Add a comment to a task (notes, findings, why it is blocked).",
  add: "Create a task, optionally depending on existing tasks (ids).",
  context: "Your task context: your tasks, then ready work (plan: waves and critical path; review: approvals).",
} as const;

/** How many history lines the board shows for one task. */
export const HISTORY_LINES = 5;

/** Answers of the board tool. */
export const boardText = {
  none: "no tasks",
  /** After a shortened list: the real remainder. */
  more: (n: number) => `+${n} more; narrow with status, tag or text`,
  dependsOn: (ids: readonly string[]) => `depends on: ${ids.map((id) => inline(id)).join(", ") || "nothing"}`,
  blocks: (ids: readonly string[]) => `blocks: ${ids.map((id) => inline(id)).join(", ") || "nothing"}`,
  notReady: (reasons: readonly string[]) => `not ready: ${reasons.map((r) => inline(r, 200)).join("; ")}`,
  comment: (author: string, body: string) => `comment by ${inline(author)}: ${inline(body, 400)}`,
  history: "latest history:",
  historyLine: (seq: number, actor: string, what: string) => `- #${seq} ${inline(actor)}: ${inline(what, 160)}`,
} as const;

/** Answers of the lease, next and move tools. */
export const workText = {
  nothingReady: "Nothing is ready for you.",
  claimedNext: (line: string, token: number) => `Claimed ${line} (lease #${token}).`,
  released: (id: string) => `Released ${inline(id)}.`,
  held: (id: string, holder: string) =>
    `Not yours: ${inline(id)} is held by ${inline(holder)}. Pick another task (${TOOL.next}).`,
  claimed: (id: string, token: number, renewed: boolean) =>
    `${renewed ? "Still yours" : "Claimed"}: ${inline(id)} (lease #${token}, renewed while you work).`,
  inReview: (id: string) => `${inline(id)} is in review; a person approves or denies it, and you will be told.`,
  moved: (id: string, status: string) => `${inline(id)} is ${status.replace("_", " ")}.`,
  commented: (id: string) => `Commented on ${inline(id)}.`,
  created: (line: string) => `Created ${line}.`,
  refused: (message: string) => `Refused: ${inline(message, 600)}`,
} as const;

/** A status note for a session about a decision on its task. */
export function decisionNote(
  taskId: string,
  outcome: "approved" | "denied",
  by: string,
  reason: string | null,
): string {
  const id = inline(taskId);
  return outcome === "approved"
    ? `[exarp] ${id} was approved by ${inline(by)} and is done.`
    : `[exarp] ${id} was denied by ${inline(by)}${reason ? `: ${inline(reason, 400)}` : ""}. It is back in progress; claim it again to address the feedback.`;
}

/** A note before a lease runs out. */
export function leaseNote(taskId: string, minutes: number): string {
  return `[exarp] Your lease on ${inline(taskId)} expires in ${minutes} min. Keep working (any tool use renews it) or move the task on.`;
}

/** The follow-up offer after a session finished its task. */
export function followUpPrompt(finished: string, next: { id: string; title: string; priority: string }): string {
  return `[exarp] ${inline(finished)} is off your hands. The next ready task is ${inline(next.id)} [${inline(next.priority)}] ${inline(next.title, 120)}. If the user's request is complete and more work is wanted, claim it with ${TOOL.lease} and continue; otherwise say so and stop.`;
}

/** Slash commands: the template is what the model is asked; the hook adds the exarp text it works from. */
export const COMMANDS = {
  tasks: { description: "exarp: open tasks", template: "Summarize these exarp tasks for me in a few lines." },
  next: {
    description: "exarp: the next ready task",
    template: "Here is the next ready exarp task. Tell me what it is; claim it only if I ask you to work on it.",
  },
  waves: {
    description: "exarp: execution waves and critical path",
    template: "Summarize this exarp plan: what can run in parallel now, and what is on the critical path.",
  },
  approve: {
    description: "exarp: approve a task in review (/approve ID [note])",
    template: "Acknowledge this exarp approval result in one line.",
  },
} as const;

/** What the slash commands add to the conversation. */
export const commandText = {
  noOpen: "No open tasks.",
  nothingReady: "Nothing is ready.",
  more: (n: number) => `+${n} more`,
  moreWaves: (n: number) => `+${n} more waves`,
  wave: (i: number, ids: readonly string[], rest: number) =>
    `wave ${i}: ${ids.map((id) => inline(id)).join(" ")}${rest > 0 ? ` +${rest}` : ""}`,
  criticalPath: (minutes: number, ids: readonly string[], rest: number) =>
    `critical path (${minutes} min): ${ids.map((id) => inline(id)).join(" → ")}${rest > 0 ? ` → +${rest} more` : ""}`,
  approveUsage: "Usage: /approve TASK_ID [note]",
  approved: (by: string, id: string) => `${inline(by)} approved ${inline(id)}; it is done.`,
  refused: (message: string) => `exarp refused: ${inline(message, 600)}`,
} as const;

/** What the person at the keyboard is told (toasts and the log). */
export const userText = {
  ready: (root: string) => `exarp plugin ready on ${inline(root)}`,
  idle: "exarp plugin idle: no .exarp/ project here (run `exarp init`, then restart OpenCode)",
  unusable: (message: string) => `exarp is off for this session: ${inline(message, 400)}`,
  decided: (id: string, outcome: string, by: string) => `${inline(id)} ${outcome} by ${inline(by)}`,
} as const;
