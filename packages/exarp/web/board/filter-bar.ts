// The board's filter inputs. Each change is written to the hash (replacing, not adding, a history
// entry) so the filtered board is a link, and handed to the board at once.
import { el } from "../lib/dom.ts";
import { type BoardFilter, FILTER_KEYS, formatRoute } from "../lib/route.ts";
import type { Card } from "./board.ts";
import { COLUMNS } from "./board.ts";
import { COLUMN_LABELS } from "./column.ts";

export type FilterBar = {
  element: HTMLElement;
  set(filter: BoardFilter): void;
  /** Drops a change still waiting to be applied (the board is being left: it must not rewrite the hash). */
  cancel(): void;
};

export function createFilterBar(cards: Iterable<Card>, onChange: (filter: BoardFilter) => void): FilterBar {
  const tags = new Set<string>();
  for (const card of cards) for (const tag of card.tags) tags.add(tag);
  const tagList = el("datalist", { id: "tag-list" }, ...[...tags].sort().map((t) => el("option", { value: t })));
  const inputs = {
    text: el("input", {
      type: "search",
      name: "text",
      placeholder: "Search id, title, description",
      "aria-label": "Search",
    }),
    tag: el("input", { type: "search", name: "tag", placeholder: "Tag", list: "tag-list", "aria-label": "Tag" }),
    priority: select(
      "priority",
      "Any priority",
      ["critical", "high", "medium", "low"].map((p) => [p, p]),
    ),
    assignee: el("input", {
      type: "search",
      name: "assignee",
      placeholder: "Assignee or holder",
      "aria-label": "Assignee",
    }),
    status: select(
      "status",
      "All columns",
      COLUMNS.map((c) => [c, COLUMN_LABELS[c]]),
    ),
  };
  let timer = 0;
  const read = (): BoardFilter => {
    const filter: BoardFilter = {};
    for (const key of FILTER_KEYS) {
      const value = inputs[key].value.trim();
      if (value) filter[key] = value;
    }
    return filter;
  };
  const changed = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      const filter = read();
      history.replaceState(null, "", formatRoute({ view: "board", filter }));
      onChange(filter);
    }, 120);
  };
  for (const input of Object.values(inputs)) input.addEventListener("input", changed);
  const element = el("form", { class: "filters", role: "search" }, ...Object.values(inputs), tagList);
  element.addEventListener("submit", (e) => e.preventDefault());
  return {
    element,
    set(filter) {
      for (const key of FILTER_KEYS) inputs[key].value = filter[key] ?? "";
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}

function select(name: string, any: string, options: [string, string][]): HTMLSelectElement {
  return el(
    "select",
    { name, "aria-label": name },
    el("option", { value: "" }, any),
    ...options.map(([value, label]) => el("option", { value }, label)),
  );
}
