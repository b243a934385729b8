// The read-only parts of a task's page.
import { el } from "../lib/dom.ts";
import { taskHref } from "../lib/route.ts";
import { ago, clockTime, countdown } from "../lib/time.ts";
import type { ViewContext } from "../lib/view.ts";
import { describeStreamEvent } from "../panels/describe.ts";
import type { TaskPage } from "./detail.ts";

const label = (status: string) => status.replace("_", " ");

export function renderSections(ctx: ViewContext, { task, explanation, events }: TaskPage): HTMLElement[] {
  const now = Date.now();
  const lease = ctx.board.leases.get(task.id);
  const link = (id: string) => {
    const other = ctx.board.cards.get(id);
    return el(
      "li",
      {},
      el("a", { href: taskHref(id) }, el("span", { class: "card-id" }, id), other?.title ?? ""),
      other ? el("span", { class: `status-badge status-${other.status}` }, label(other.status)) : null,
    );
  };
  const list = (title: string, ids: readonly string[]) =>
    ids.length ? el("div", {}, el("h2", {}, title), el("ul", { class: "links" }, ...ids.map(link))) : null;

  const header = el(
    "header",
    { class: "task-header" },
    el(
      "p",
      {},
      el("span", { class: "card-id" }, task.id),
      el("span", { class: `status-badge status-${task.status}` }, label(task.status)),
      el("span", { class: `prio prio-${task.priority}` }, task.priority),
    ),
    el("h1", {}, task.title),
    el(
      "p",
      { class: "muted" },
      [
        task.assignee ? `assignee ${task.assignee}` : "",
        lease
          ? `held by ${lease.agent}${lease.session ? ` (${lease.session})` : ""}, ${countdown(lease.expiresAt, now)} left`
          : "",
        task.estimate !== null ? `estimate ${task.estimate} min` : "",
        `updated ${ago(task.updatedAt, now)}`,
        `version ${task.version}`,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    task.tags.length ? el("p", { class: "tags" }, ...task.tags.map((t) => el("span", { class: "tag" }, t))) : null,
  );

  // The reasons name the direct blockers and any cycle; the chain behind them is listed with links.
  const further = explanation.blockers.filter((b) => b.depth > 1);
  const why = el(
    "div",
    { class: explanation.ready ? "why ready" : "why" },
    el("h2", {}, explanation.ready ? "Ready to start" : "Why it is not ready"),
    explanation.reasons.length ? el("ul", {}, ...explanation.reasons.map((r) => el("li", {}, r))) : null,
    further.length
      ? el(
          "ul",
          { class: "blockers" },
          ...further.map((b) =>
            el("li", {}, el("a", { href: taskHref(b.id) }, b.id), ` (${label(b.status)}) holds back ${b.for}`),
          ),
        )
      : null,
  );

  return [
    header,
    el("div", { class: "description" }, task.description || "No description."),
    why,
    el(
      "div",
      { class: "links-grid" },
      list("Depends on", task.dependsOn),
      list("Blocks", task.dependents),
      task.parentId ? list("Parent", [task.parentId]) : null,
    ),
    el(
      "div",
      {},
      el("h2", {}, `Comments (${task.comments.length})`),
      ...task.comments.map((c) =>
        el(
          "article",
          { class: "comment" },
          el("p", { class: "muted" }, `${c.author} · ${clockTime(c.createdAt, now)}`),
          el("p", { class: "comment-body" }, c.body),
        ),
      ),
    ),
    el(
      "div",
      {},
      el("h2", {}, "History"),
      el(
        "ol",
        { class: "audit" },
        ...[...events]
          .reverse()
          .map((e) =>
            el(
              "li",
              {},
              el("time", {}, clockTime(e.time, now)),
              el("span", { class: "seq" }, `#${e.seq}`),
              el("span", { class: "actor" }, e.actor),
              el("span", {}, describeStreamEvent(e)),
            ),
          ),
      ),
    ),
  ];
}
