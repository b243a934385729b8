// The approval queue: every task waiting in review for a person's decision, oldest first, with
// approve and deny-with-reason for owners (not for the one who asked for the review).
import { el, replaceChildren } from "../lib/dom.ts";
import { touchesApprovals } from "../lib/events.ts";
import { coalesced } from "../lib/reload.ts";
import { taskHref } from "../lib/route.ts";
import { ago } from "../lib/time.ts";
import type { PendingApproval } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";
import { renderDecision } from "../task/decision.ts";

export function createApprovalsView(ctx: ViewContext): View {
  const list = el("div", { class: "approvals" });
  const element = el("section", { class: "panel" }, el("h1", {}, "Waiting for approval"), list);

  const reload = coalesced(async () => {
    try {
      const { pending } = await ctx.api.get<{ pending: PendingApproval[] }>("/api/approvals");
      replaceChildren(
        list,
        ...(pending.length ? pending.map(row) : [el("p", { class: "empty" }, "Nothing waits for a decision.")]),
      );
    } catch (error) {
      ctx.banner.show(error);
    }
  });

  function row(a: PendingApproval): HTMLElement {
    const mine = a.requestedBy === ctx.session.identity;
    const actions = ctx.can("owner") ? renderDecision(ctx, a.taskId, mine, reload) : null;
    return el(
      "article",
      { class: "approval", "data-task": a.taskId },
      el(
        "a",
        { href: taskHref(a.taskId), class: "approval-task" },
        el("span", { class: "card-id" }, a.taskId),
        a.title,
      ),
      el(
        "p",
        { class: "muted" },
        `asked by ${a.requestedBy}${a.requestedSession ? ` (${a.requestedSession})` : ""} · ${ago(a.requestedAt, Date.now())}`,
      ),
      actions,
    );
  }

  reload();
  return {
    element,
    update(events) {
      if (events.some(touchesApprovals)) reload();
    },
    destroy() {},
  };
}
