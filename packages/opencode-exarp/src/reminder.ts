import { type ContextTask, inline } from "exarp";
import { REMINDER_BUDGET, REMINDER_PREFIX } from "./text.ts";

/**
 * One line naming the session's own tasks, within REMINDER_BUDGET bytes (the tasks that do not fit
 * become "+N more", N being the real remainder), or undefined when the session holds none.
 */
export function reminderLine(mine: readonly ContextTask[]): string | undefined {
  if (!mine.length) return undefined;
  let line = REMINDER_PREFIX;
  for (const [i, t] of mine.entries()) {
    const piece = `${i ? " ·" : ""} ${inline(t.id)} "${inline(t.title, 40)}" ${t.status.replace("_", " ")}`;
    const more = ` +${mine.length - i} more`;
    if (Buffer.byteLength(line + piece) + (i < mine.length - 1 ? Buffer.byteLength(more) : 0) > REMINDER_BUDGET) {
      return line + more;
    }
    line += piece;
  }
  return line;
}
