// The kanban: five windowed columns under the filter bar. A change from the stream redraws only
// the columns it touched; a filter change recomputes each column's list once.

import { el } from "../lib/dom.ts";
import type { BoardFilter } from "../lib/route.ts";
import type { View, ViewContext } from "../lib/view.ts";
import { type Change, COLUMNS, type Column } from "./board.ts";
import { createColumnView } from "./column.ts";
import { cardTest, shownColumns } from "./filter.ts";
import { createFilterBar } from "./filter-bar.ts";

export type BoardView = View & { setFilter(filter: BoardFilter): void };

export function createBoardView(ctx: ViewContext, initial: BoardFilter): BoardView {
  const { board } = ctx;
  const leaseOf = (id: string) => board.leases.get(id);
  const columns = Object.fromEntries(COLUMNS.map((c) => [c, createColumnView(c, leaseOf)])) as Record<
    Column,
    ReturnType<typeof createColumnView>
  >;
  let test = cardTest(initial);
  // Typed filters are already in the inputs: only a filter from the hash is written back into them.
  const bar = createFilterBar(board.cards.values(), (next) => apply(next));
  const grid = el("div", { class: "board" }, ...COLUMNS.map((c) => columns[c].element));
  const element = el("div", { class: "board-view" }, bar.element, grid);

  function draw(column: Column, changed?: ReadonlySet<string>): void {
    const all = board.columns[column];
    const passes = test;
    const shown = passes ? all.filter((card) => passes(card, leaseOf(card.id))) : all;
    columns[column].show(shown, all.length, changed);
  }

  function setFilter(next: BoardFilter): void {
    bar.set(next);
    apply(next);
  }

  function apply(filter: BoardFilter): void {
    test = cardTest(filter);
    const shown = new Set(shownColumns(filter));
    for (const column of COLUMNS) {
      columns[column].element.hidden = !shown.has(column);
      draw(column);
    }
  }

  bar.set(initial);
  // Drawn once the element is in the page (the columns measure their height).
  requestAnimationFrame(() => {
    apply(initial);
    performance.mark("exarp:board-rendered");
  });

  return {
    element,
    setFilter,
    update(_events, change: Change) {
      for (const column of change.columns) draw(column, change.cards);
    },
    destroy() {
      for (const column of COLUMNS) columns[column].destroy();
    },
  };
}
