import type { TaskDetail } from "../task/task.ts";
import { inline, neutralizeBlock } from "../text/safe.ts";

/** What the runner tells a session about its task, bounded: most of the budget goes to the description. */
const MAX_DESCRIPTION = 6_000;
const MAX_COMMENTS = 5;
const MAX_COMMENT = 600;

export type PromptTask = Pick<TaskDetail, "id" | "title" | "description" | "comments" | "dependents" | "tags">;

/** The first prompt of a task's session: the task, its latest comments, what it unblocks, how to hand in. */
export function taskPrompt(
  task: PromptTask,
  options: { worktree: string | null; unblocks: readonly { id: string; title: string }[] },
): string {
  const lines = [`You are working on exarp task ${task.id}: ${inline(task.title, 200)}`];
  if (task.tags.length) lines.push(`Tags: ${task.tags.map((t) => inline(t, 40)).join(", ")}`);
  if (task.description) lines.push("", clip(neutralizeBlock(task.description), MAX_DESCRIPTION));
  const comments = task.comments.slice(-MAX_COMMENTS);
  if (comments.length) {
    lines.push("", `Comments (latest ${comments.length} of ${task.comments.length}):`);
    for (const c of comments) lines.push(`- ${inline(c.author, 60)}: ${inline(c.body, MAX_COMMENT)}`);
  }
  if (options.unblocks.length)
    lines.push(
      "",
      `Finishing it unblocks: ${options.unblocks
        .slice(0, 10)
        .map((t) => `${t.id} (${inline(t.title, 80)})`)
        .join(", ")}`,
    );
  if (options.worktree) lines.push("", `Work only in this folder (a git worktree of its own): ${options.worktree}`);
  lines.push(
    "",
    "Do this task and only this one. When you are done, end with a short summary of what you changed and how",
    "you checked it: that final message is recorded on the task, which then goes to a person for review.",
    "Do not mark the task done or claim other tasks.",
  );
  return lines.join("\n");
}

/** What a restarted runner says to a session it adopts whose turn was cut short. */
export const CONTINUE_PROMPT =
  "The runner restarted while you were working. Continue the task where you left off, then end with the summary.";

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more characters in the task]`;
}

/** The delay before attempt `attempt + 1` after `attempt` failed: doubling from `baseMs`, at most 5 min. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 300_000);
}

/** The task comment that records a finished session's result. */
export function resultComment(
  session: string,
  text: string,
  worktree: { branch: string; summary: string } | undefined,
  maxChars: number,
): string {
  const head = `Result of OpenCode session ${session}:`;
  const tail = worktree ? `\n\nBranch ${worktree.branch}:\n${worktree.summary}` : "";
  const room = Math.max(200, maxChars - head.length - tail.length - 10);
  const body = text.trim() ? clip(text.trim(), room) : "(the session ended without a final message)";
  return `${head}\n\n${body}${tail}`;
}
