// Which cards the board shows under the filters of the hash. Pure.
import type { BoardFilter } from "../lib/route.ts";
import type { Lease } from "../lib/types.ts";
import { type Card, COLUMNS, type Column } from "./board.ts";

export type CardTest = (card: Card, lease: Lease | undefined) => boolean;

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);

/**
 * The test of a filter, or undefined when it lets everything through. text: in the id, title or
 * description; tag: every listed tag; priority: any listed; assignee: the assignee or the lease holder.
 */
export function cardTest(filter: BoardFilter): CardTest | undefined {
  const text = filter.text?.toLowerCase();
  const tags = list(filter.tag);
  const priorities = list(filter.priority);
  const assignee = filter.assignee?.toLowerCase();
  if (!text && !tags.length && !priorities.length && !assignee) return undefined;
  return (card, lease) =>
    (!text ||
      card.id.toLowerCase().includes(text) ||
      card.title.toLowerCase().includes(text) ||
      card.description.toLowerCase().includes(text)) &&
    tags.every((t) => card.tags.some((own) => own.toLowerCase() === t)) &&
    (!priorities.length || priorities.includes(card.priority)) &&
    (!assignee || card.assignee?.toLowerCase() === assignee || lease?.agent.toLowerCase() === assignee);
}

/** The columns a `status` filter keeps (all of them without one). */
export function shownColumns(filter: BoardFilter): Column[] {
  const wanted = list(filter.status);
  const shown = COLUMNS.filter((c) => wanted.includes(c));
  return shown.length ? shown : [...COLUMNS];
}
