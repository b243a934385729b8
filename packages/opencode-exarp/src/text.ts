// Text the model reads. Each string is a prompt: short, exact, and reviewed as prose.

/** Heading of the synthetic part on a session's first message. */
export const FIRST_MESSAGE_HEADING = "[exarp] Task state at the start of this session:";

/** Heading of the system-prompt block. */
export const SYSTEM_HEADING =
  "You share an exarp task graph with other agents and people. Claim a task before working on it (exarp_claim), move it to review when done (exarp_status), and never work on a task someone else holds.";

/** Prefix of the one-line reminder appended to tool output. */
export const REMINDER_PREFIX = "[exarp] your tasks:";

/** Budget of the reminder line, in bytes. */
export const REMINDER_BUDGET = 240;

export const SUBAGENT_REFUSAL =
  "exarp task changes are for the primary agent. Report what you found to it; it claims and moves tasks.";

export const NO_PROJECT = "There is no exarp project here (no .exarp/ folder). Ask the user to run `exarp init`.";

export const toolDescriptions = {
  tasks: "List exarp tasks (open ones by default) or show one task with its dependencies, comments and history.",
  next: "The best ready task for you (todo, every blocker finished). With claim=true, also lease it to you and start it.",
  claim: "Lease a task to this session and start it (exclusive; renewed while you work). release=true gives it back.",
  status:
    "Move a task: in_progress, review (asks a person for approval; do this when your work is finished), blocked, todo, cancelled. done needs an approval.",
  comment: "Add a comment to a task (notes, findings, why it is blocked).",
  add: "Create a task, optionally depending on existing tasks (ids).",
  prime: "Your task context: your tasks, then ready work (plan: waves and critical path; review: approvals).",
} as const;

/** A status note for a session about a decision on its task. */
export function decisionNote(
  taskId: string,
  outcome: "approved" | "denied",
  by: string,
  reason: string | null,
): string {
  return outcome === "approved"
    ? `[exarp] ${taskId} was approved by ${by} and is done.`
    : `[exarp] ${taskId} was denied by ${by}${reason ? `: ${reason}` : ""}. It is back in progress; claim it again to address the feedback.`;
}

/** A note before a lease runs out. */
export function leaseNote(taskId: string, minutes: number): string {
  return `[exarp] Your lease on ${taskId} expires in ${minutes} min. Keep working (any tool use renews it) or move the task on.`;
}

/** The follow-up offer after a session finished its task. */
export function followUpPrompt(finished: string, next: { id: string; title: string; priority: string }): string {
  return `[exarp] ${finished} is off your hands. The next ready task is ${next.id} [${next.priority}] ${next.title}. If the user's request is complete and more work is wanted, claim it with exarp_claim and continue; otherwise say so and stop.`;
}
