// What the session may do to a task from its page: comment and move it (collaborators), approve or
// deny it in review (owners). The server checks every write again; each form sends once per click.
import { transitions } from "../../src/task/status.ts";
import { taskPath } from "../lib/api.ts";
import { whileSending } from "../lib/busy.ts";
import { el } from "../lib/dom.ts";
import type { TaskDetail } from "../lib/types.ts";
import type { ViewContext } from "../lib/view.ts";
import { renderDecision } from "./decision.ts";

export function renderActions(ctx: ViewContext, task: TaskDetail, reload: () => void): HTMLElement {
  const section = el("div", { class: "task-actions" });
  if (!ctx.can("collaborator")) return section;
  const post = (button: HTMLButtonElement, path: string, body: unknown) =>
    whileSending([button], () => ctx.write(() => ctx.api.send("POST", taskPath(task.id, path), body)));

  if (task.status === "review" && ctx.can("owner"))
    section.append(el("h2", {}, "Decision"), renderDecision(ctx, task.id, false, reload));

  const targets = transitions[task.status].filter((to) => !(task.status === "review" && to === "done"));
  if (targets.length) {
    const to = el(
      "select",
      { name: "to", "aria-label": "Move to" },
      ...targets.map((s) => el("option", { value: s }, s.replace("_", " "))),
    );
    const why = el("input", { type: "text", name: "reason", placeholder: "Reason (optional)", maxlength: 2000 });
    const move = el("button", { type: "submit" }, "Move");
    const form = el("form", { class: "move" }, el("label", {}, "Move to ", to), why, move);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const reason = why.value.trim();
      void post(move, "/status", reason ? { to: to.value, reason } : { to: to.value }).finally(reload);
    });
    section.append(el("h2", {}, "Move"), form);
  }

  const body = el("textarea", { name: "body", rows: 3, placeholder: "Add a comment", maxlength: 64000 });
  const send = el("button", { type: "submit" }, "Comment");
  const form = el("form", { class: "comment-form" }, body, send);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = body.value.trim();
    if (!text) return;
    // Refused, the comment stays in the box to be corrected.
    void post(send, "/comments", { body: text }).then((done) => {
      if (done !== undefined) reload();
    });
  });
  section.append(el("h2", {}, "Comment"), form);
  return section;
}
