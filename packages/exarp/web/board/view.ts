// The kanban: five windowed columns under the filter bar. A change from the stream redraws only
// the columns it touched; a filter change recomputes each column's list once. A note says when the
// project has no tasks yet, or the filters hide them all.

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
  const runOf = (id: string) => ctx.runs.get(id);
  const columns = Object.fromEntries(COLUMNS.map((c) => [c, createColumnView(c, leaseOf, runOf)])) as Record<
    Column,
    ReturnType<typeof createColumnView>
  >;
  let test = cardTest(initial);
  // Typed filters are already in the inputs: only a filter from the hash is written back into them.
  const bar = createFilterBar(board.cards.values(), (next) => apply(next));
  const grid = el("div", { class: "board" }, ...COLUMNS.map((c) => columns[c].element));
  const empty = el(
    "p",
    { class: "board-note", hidden: true },
    "No tasks yet. Add one with ",
    el("code", {}, 'exarp add "Title"'),
    " or let an agent create them: they appear here as they are made.",
  );
  const unmatched = el("p", { class: "board-note", hidden: true }, "No task matches these filters.");
  const element = el("div", { class: "board-view" }, bar.element, empty, unmatched, grid);
  const shownIn = new Map<Column, number>();

  function draw(column: Column, changed?: ReadonlySet<string>): void {
    const all = board.columns[column];
    const passes = test;
    const shown = passes ? all.filter((card) => passes(card, leaseOf(card.id))) : all;
    columns[column].show(shown, all.length, changed);
    shownIn.set(column, columns[column].element.hidden ? 0 : shown.length);
  }

  function note(): void {
    empty.hidden = board.cards.size > 0;
    unmatched.hidden = !empty.hidden || [...shownIn.values()].some((n) => n > 0);
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
    note();
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
      note();
    },
    destroy() {
      bar.cancel();
      for (const column of COLUMNS) columns[column].destroy();
    },
  };
}
