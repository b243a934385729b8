import { InvalidTransition } from "../errors-catalog.ts";
import type { Status } from "./task.ts";

/**
 * The workflow: Todo → In Progress → Review → Done, with Blocked and Cancelled on the side.
 * Reopen takes finished work back to Todo. Review → Done is the approval gate's seam.
 */
export const transitions: Readonly<Record<Status, readonly Status[]>> = {
  todo: ["in_progress", "blocked", "cancelled"],
  in_progress: ["review", "todo", "blocked", "cancelled"],
  review: ["done", "in_progress", "cancelled"],
  blocked: ["todo", "in_progress", "cancelled"],
  done: ["todo"],
  cancelled: ["todo"],
};

/** True when the workflow allows `from → to`. */
export function canTransition(from: Status, to: Status): boolean {
  return transitions[from].includes(to);
}

/** Throws InvalidTransition naming the allowed moves when `from → to` is not allowed. */
export function assertTransition(id: string, from: Status, to: Status): void {
  if (!canTransition(from, to)) {
    throw new InvalidTransition({ id, from, to, allowed: [...transitions[from]] });
  }
}
