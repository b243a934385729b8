// A kanban column that renders only the cards in view: a spacer as tall as every card, and the
// visible few positioned inside it. Redraws on scroll and resize (once per frame), and when the
// board changes a card it shows.
import { el } from "../lib/dom.ts";
import type { Lease, RunView } from "../lib/types.ts";
import type { Card, Column } from "./board.ts";
import { CARD_ROW, renderCard } from "./card.ts";
import { visibleRows } from "./window.ts";

export type ColumnView = {
  element: HTMLElement;
  /** The cards to show (already filtered and in order), how many the column holds, and which just changed. */
  show(cards: readonly Card[], total: number, changed?: ReadonlySet<string>): void;
  destroy(): void;
};

export const COLUMN_LABELS: Record<Column, string> = {
  todo: "Todo",
  in_progress: "In progress",
  review: "Review",
  done: "Done",
  blocked: "Blocked",
};

type Rendered = { node: HTMLElement; card: Card; lease: Lease | undefined; run: RunView | undefined };

export function createColumnView(
  column: Column,
  leaseOf: (id: string) => Lease | undefined,
  runOf: (id: string) => RunView | undefined,
): ColumnView {
  const count = el("span", { class: "count" }, "0");
  const spacer = el("div", { class: "spacer" });
  const empty = el("p", { class: "empty" }, "No tasks");
  const scroller = el("div", { class: "scroller" }, spacer, empty);
  const element = el(
    "section",
    { class: `column status-${column}`, "data-status": column },
    el("h2", {}, COLUMN_LABELS[column], count),
    scroller,
  );
  let cards: readonly Card[] = [];
  let flash: ReadonlySet<string> = new Set();
  const rendered = new Map<string, Rendered>();
  let frame = 0;
  // The scroll position and height as the scroll and resize callbacks last saw them: reading them
  // while drawing would force a layout per column per batch of events.
  let top = 0;
  let height: number | undefined;

  function render(): void {
    frame = 0;
    const now = Date.now();
    height ??= scroller.clientHeight;
    const { start, end } = visibleRows(top, height, CARD_ROW, cards.length);
    const keep = new Set<string>();
    for (let i = start; i < end; i++) {
      const card = cards[i] as Card;
      const lease = leaseOf(card.id);
      const run = runOf(card.id);
      let entry = rendered.get(card.id);
      if (!entry || entry.card !== card || entry.lease !== lease || entry.run !== run) {
        const node = renderCard(card, lease, run, now);
        if (entry) entry.node.replaceWith(node);
        else spacer.appendChild(node);
        entry = { node, card, lease, run };
        rendered.set(card.id, entry);
      }
      if (flash.has(card.id)) entry.node.classList.add("changed");
      entry.node.style.transform = `translateY(${i * CARD_ROW}px)`;
      keep.add(card.id);
    }
    for (const [id, entry] of rendered) {
      if (keep.has(id)) continue;
      entry.node.remove();
      rendered.delete(id);
    }
    flash = new Set();
  }

  const schedule = () => {
    frame ||= requestAnimationFrame(render);
  };
  scroller.addEventListener(
    "scroll",
    () => {
      top = scroller.scrollTop;
      schedule();
    },
    { passive: true },
  );
  const resize = new ResizeObserver(() => {
    height = scroller.clientHeight;
    schedule();
  });
  resize.observe(scroller);

  return {
    element,
    show(next, total, changed = new Set()) {
      cards = next;
      flash = changed;
      count.textContent = next.length === total ? String(total) : `${next.length} of ${total}`;
      spacer.style.height = `${next.length * CARD_ROW}px`;
      empty.hidden = next.length > 0;
      render();
    },
    destroy() {
      resize.disconnect();
      if (frame) cancelAnimationFrame(frame);
    },
  };
}
