// The audit feed: the newest events of the log, then every event as the stream delivers it,
// newest first, a few times a second at most (each redraw moves every line: a burst of events must
// not cost a redraw a frame). Each line is built from text nodes.
import { el } from "../lib/dom.ts";
import { subjectOf } from "../lib/events.ts";
import { taskHref } from "../lib/route.ts";
import { clockTime } from "../lib/time.ts";
import type { StreamEvent } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";
import { describeStreamEvent } from "./describe.ts";

/** Lines kept in the page; older ones are dropped as new ones arrive. */
const MAX_LINES = 500;
/** Least time between two redraws of the feed. */
const REDRAW_MS = 250;

export function createAuditView(ctx: ViewContext): View {
  const list = el("ol", { class: "audit" });
  const element = el("section", { class: "panel" }, el("h1", {}, "Audit feed"), list);
  let newest = 0;

  function prepend(events: readonly StreamEvent[]): void {
    const now = Date.now();
    const fresh = events.filter((e) => e.seq > newest);
    if (!fresh.length) return;
    newest = (fresh.at(-1) as StreamEvent).seq;
    const lines = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) lines.appendChild(line(fresh[i] as StreamEvent, now));
    list.prepend(lines);
    while (list.childElementCount > MAX_LINES) list.lastElementChild?.remove();
  }

  function line(e: StreamEvent, now: number): HTMLElement {
    const task = subjectOf(e);
    return el(
      "li",
      { "data-seq": e.seq },
      el("time", {}, clockTime(e.time, now)),
      el("span", { class: "seq" }, `#${e.seq}`),
      el("span", { class: "actor" }, e.session ? `${e.actor} (${e.session})` : e.actor),
      task ? el("a", { href: taskHref(task) }, describeStreamEvent(e)) : el("span", {}, describeStreamEvent(e)),
    );
  }

  // Events wait here while the log's newest are loading, and between two redraws.
  let waiting: StreamEvent[] = [];
  let loaded = false;
  let timer = 0;
  let drawnAt = Number.NEGATIVE_INFINITY;
  const redraw = () => {
    timer = 0;
    drawnAt = performance.now();
    prepend(waiting);
    waiting = [];
  };

  ctx.api.get<{ events: StreamEvent[] }>("/api/history?limit=200").then(
    ({ events }) => {
      prepend(events);
      loaded = true;
      redraw();
    },
    (error) => ctx.banner.show(error),
  );

  return {
    element,
    update(events) {
      waiting.push(...events);
      if (loaded && !timer) timer = window.setTimeout(redraw, Math.max(0, drawnAt + REDRAW_MS - performance.now()));
    },
    destroy() {
      clearTimeout(timer);
    },
  };
}
