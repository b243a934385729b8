import type { ContextTask } from "exarp";
import { REMINDER_BUDGET, REMINDER_PREFIX } from "./text.ts";

/**
 * One line naming the session's own tasks, within REMINDER_BUDGET bytes (later tasks become "+N"),
 * or undefined when the session holds none.
 */
export function reminderLine(mine: readonly ContextTask[]): string | undefined {
  if (!mine.length) return undefined;
  let line = REMINDER_PREFIX;
  for (const [i, t] of mine.entries()) {
    const title = t.title.length > 40 ? `${t.title.slice(0, 39)}…` : t.title;
    const piece = `${i ? " ·" : ""} ${t.id} "${title}" ${t.status.replace("_", " ")}`;
    const more = ` +${mine.length - i} more`;
    if (Buffer.byteLength(line + piece) + (i < mine.length - 1 ? Buffer.byteLength(more) : 0) > REMINDER_BUDGET) {
      return line + more;
    }
    line += piece;
  }
  return line;
}
