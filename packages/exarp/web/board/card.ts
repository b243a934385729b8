// One card of the kanban: a link to the task, its id, priority, title, tags, who holds it, and the
// runner session working it, if one does.
import { el } from "../lib/dom.ts";
import { taskHref } from "../lib/route.ts";
import type { Lease, RunView } from "../lib/types.ts";
import type { Card } from "./board.ts";

/** Card height plus the gap below it: every card has this height, so a column can be windowed. */
export const CARD_ROW = 98;

/** The card's element (positioned by its column). */
export function renderCard(
  card: Card,
  lease: Lease | undefined,
  run: RunView | undefined,
  now: number,
): HTMLAnchorElement {
  const holder = lease
    ? el("span", { class: lease.expiresAt > now ? "holder" : "holder expired" }, lease.agent)
    : card.assignee
      ? el("span", { class: "assignee" }, card.assignee)
      : null;
  return el(
    "a",
    { class: `card prio-${card.priority}`, href: taskHref(card.id), "data-id": card.id, title: card.title },
    el(
      "span",
      { class: "card-top" },
      el("span", { class: "card-id" }, card.id),
      run
        ? el(
            "span",
            { class: "runner", title: `${run.runner}, session ${run.session ?? ""}, attempt ${run.attempt}` },
            `runner ${run.session ?? ""}`,
          )
        : null,
      el("span", { class: "prio" }, card.priority),
    ),
    el("span", { class: "card-title" }, card.title),
    el("span", { class: "card-meta" }, ...card.tags.slice(0, 4).map((t) => el("span", { class: "tag" }, t)), holder),
  );
}
