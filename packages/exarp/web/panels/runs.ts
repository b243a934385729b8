// The runner's sessions working now (`exarp run`): each task with its runner, OpenCode session,
// attempt, branch and how long it has run, ticking once a second while this view is open.
import { el, replaceChildren } from "../lib/dom.ts";
import { taskHref } from "../lib/route.ts";
import { clockTime, elapsed } from "../lib/time.ts";
import type { RunView } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";

const HEADINGS = ["Task", "Runner", "Session", "Attempt", "Running for", "Branch"];

export function createRunsView(ctx: ViewContext): View {
  const body = el("tbody");
  const table = el(
    "table",
    { class: "runs" },
    el("thead", {}, el("tr", {}, ...HEADINGS.map((h) => el("th", {}, h)))),
    body,
  );
  const empty = el("p", { class: "empty" }, "No runner sessions. ", el("code", {}, "exarp run"), " works ready tasks.");
  const element = el("section", { class: "panel" }, el("h1", {}, "Running"), table, empty);
  let clocks: { cell: HTMLElement; run: RunView }[] = [];

  function render(): void {
    const runs = [...ctx.runs.values()].sort((a, b) => a.startedAt - b.startedAt);
    const now = Date.now();
    clocks = [];
    replaceChildren(
      body,
      ...runs.map((run) => {
        const cell = el("td", { class: "countdown", title: `since ${clockTime(run.startedAt, now)}` });
        clocks.push({ cell, run });
        const title = ctx.board.cards.get(run.taskId)?.title ?? run.title;
        return el(
          "tr",
          { "data-task": run.taskId },
          el("td", {}, el("a", { href: taskHref(run.taskId) }, el("span", { class: "card-id" }, run.taskId), title)),
          el("td", {}, run.runner),
          el("td", { class: "session" }, run.session ?? ""),
          el("td", {}, String(run.attempt)),
          cell,
          el("td", {}, run.branch ?? el("span", { class: "muted" }, "none")),
        );
      }),
    );
    table.hidden = runs.length === 0;
    empty.hidden = runs.length > 0;
    tick();
  }

  function tick(): void {
    const now = Date.now();
    for (const { cell, run } of clocks) {
      const text = elapsed(run.startedAt, now);
      if (cell.textContent !== text) cell.textContent = text;
    }
  }

  const timer = window.setInterval(tick, 1_000);
  render();
  return {
    element,
    update(_events, change) {
      if (change.runs.size || [...change.cards].some((id) => ctx.runs.has(id))) render();
    },
    destroy() {
      clearInterval(timer);
    },
  };
}
