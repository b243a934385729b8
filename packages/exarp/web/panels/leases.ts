// Who holds which task, until when: the board's leases (kept live by the stream) with a countdown
// ticking once a second while this view is open.
import { el, replaceChildren } from "../lib/dom.ts";
import { taskHref } from "../lib/route.ts";
import { clockTime, countdown } from "../lib/time.ts";
import type { Lease } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";

export function createLeasesView(ctx: ViewContext): View {
  const body = el("tbody");
  const table = el(
    "table",
    { class: "leases" },
    el(
      "thead",
      {},
      el("tr", {}, ...["Task", "Holder", "Lease", "Expires in", "Held since"].map((h) => el("th", {}, h))),
    ),
    body,
  );
  const empty = el("p", { class: "empty" }, "No task is leased.");
  const element = el("section", { class: "panel" }, el("h1", {}, "Lease holders"), table, empty);
  let clocks: { cell: HTMLElement; lease: Lease }[] = [];

  function render(): void {
    const leases = [...ctx.board.leases.values()].sort((a, b) => a.expiresAt - b.expiresAt);
    const now = Date.now();
    clocks = [];
    replaceChildren(
      body,
      ...leases.map((lease) => {
        const cell = el("td", { class: "countdown" });
        clocks.push({ cell, lease });
        const title = ctx.board.cards.get(lease.taskId)?.title ?? "";
        return el(
          "tr",
          { "data-task": lease.taskId },
          el(
            "td",
            {},
            el("a", { href: taskHref(lease.taskId) }, el("span", { class: "card-id" }, lease.taskId), title),
          ),
          el("td", {}, lease.agent, lease.session ? el("span", { class: "muted" }, ` ${lease.session}`) : null),
          el("td", {}, `#${lease.token}`),
          cell,
          el("td", {}, clockTime(lease.acquiredAt, now)),
        );
      }),
    );
    table.hidden = leases.length === 0;
    empty.hidden = leases.length > 0;
    tick();
  }

  function tick(): void {
    const now = Date.now();
    for (const { cell, lease } of clocks) {
      const left = countdown(lease.expiresAt, now);
      if (cell.textContent !== left) cell.textContent = left;
      cell.classList.toggle("expired", lease.expiresAt <= now);
      cell.classList.toggle("soon", lease.expiresAt > now && lease.expiresAt - now < 60_000);
    }
  }

  const timer = window.setInterval(tick, 1_000);
  render();
  return {
    element,
    update(_events, change) {
      if (change.leases.size) render();
    },
    destroy() {
      clearInterval(timer);
    },
  };
}
