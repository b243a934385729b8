// The approval queue: every task waiting in review for a person's decision, oldest first, with
// approve and deny-with-reason for owners (not for the one who asked for the review).
import { taskPath } from "../lib/api.ts";
import { el, replaceChildren } from "../lib/dom.ts";
import { coalesced } from "../lib/reload.ts";
import { taskHref } from "../lib/route.ts";
import { ago } from "../lib/time.ts";
import type { PendingApproval } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";

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
    const actions = ctx.can("owner") ? decisionForm(a, mine) : null;
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

  function decisionForm(a: PendingApproval, mine: boolean): HTMLElement {
    const approve = el("button", { type: "button", class: "approve", disabled: mine }, "Approve");
    const reason = el("input", {
      type: "text",
      name: "reason",
      placeholder: "Reason for denying",
      required: true,
      maxlength: 2000,
    });
    const deny = el("button", { type: "submit", class: "deny" }, "Deny");
    const form = el(
      "form",
      { class: "decision" },
      approve,
      reason,
      deny,
      mine ? el("span", { class: "muted" }, "you asked for this review") : null,
    );
    approve.addEventListener("click", () => {
      approve.disabled = true;
      void ctx.write(() => ctx.api.send("POST", taskPath(a.taskId, "/approve"), {})).finally(reload);
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      if (!text) return;
      deny.disabled = true;
      void ctx.write(() => ctx.api.send("POST", taskPath(a.taskId, "/deny"), { reason: text })).finally(reload);
    });
    return form;
  }

  reload();
  return {
    element,
    update(events) {
      if (
        events.some(
          (e) => e.type.startsWith("approval.") || e.type === "task.status_changed" || e.type === "task.deleted",
        )
      )
        reload();
    },
    destroy() {},
  };
}
