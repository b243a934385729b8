// An owner's decision on a task in review, from the approval queue or the task's page: approve, or
// deny with a reason. A blank reason is refused here, with the reason field focused; the server's
// refusals show in the banner, the typed reason kept. Sent once however often it is clicked.
import { taskPath } from "../lib/api.ts";
import { whileSending } from "../lib/busy.ts";
import { el } from "../lib/dom.ts";
import type { ViewContext } from "../lib/view.ts";

const REASON_NEEDED = "Give a reason for denying: it is added to the task as a comment.";

/** The decision form for `taskId`; `mine` (the session asked for the review) disables approving; `decided` runs after a decision was taken. */
export function renderDecision(ctx: ViewContext, taskId: string, mine: boolean, decided: () => void): HTMLFormElement {
  const approve = el("button", { type: "button", class: "approve", disabled: mine }, "Approve");
  const reason = el("input", {
    type: "text",
    name: "reason",
    placeholder: "Reason for denying",
    "aria-label": "Reason for denying",
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
  const decide = (path: string, body: object) =>
    whileSending([approve, deny], () => ctx.write(() => ctx.api.send("POST", taskPath(taskId, path), body))).then(
      (answer) => {
        if (answer !== undefined) decided();
      },
    );
  approve.addEventListener("click", () => void decide("/approve", {}));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      ctx.banner.show(REASON_NEEDED);
      reason.focus();
      return;
    }
    void decide("/deny", { reason: text });
  });
  return form;
}
