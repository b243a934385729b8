// What the session may do to a task from its page: comment and move it (collaborators), approve or
// deny it in review (owners). The server checks every write again.
import { transitions } from "../../src/task/status.ts";
import { taskPath } from "../lib/api.ts";
import { el } from "../lib/dom.ts";
import type { TaskDetail } from "../lib/types.ts";
import type { ViewContext } from "../lib/view.ts";

export function renderActions(ctx: ViewContext, task: TaskDetail, reload: () => void): HTMLElement {
  const section = el("div", { class: "task-actions" });
  if (!ctx.can("collaborator")) return section;
  const post = (path: string, body: unknown) =>
    ctx.write(() => ctx.api.send("POST", taskPath(task.id, path), body)).finally(reload);

  if (task.status === "review" && ctx.can("owner")) {
    const reason = el("input", { type: "text", name: "reason", placeholder: "Reason for denying", maxlength: 2000 });
    const approve = el("button", { type: "button", class: "approve" }, "Approve");
    const deny = el("button", { type: "button", class: "deny" }, "Deny");
    approve.addEventListener("click", () => void post("/approve", {}));
    deny.addEventListener("click", () => {
      if (reason.value.trim()) void post("/deny", { reason: reason.value.trim() });
      else reason.focus();
    });
    section.append(el("h2", {}, "Decision"), el("div", { class: "decision" }, approve, reason, deny));
  }

  const targets = transitions[task.status].filter((to) => !(task.status === "review" && to === "done"));
  if (targets.length) {
    const to = el(
      "select",
      { name: "to", "aria-label": "Move to" },
      ...targets.map((s) => el("option", { value: s }, s.replace("_", " "))),
    );
    const why = el("input", { type: "text", name: "reason", placeholder: "Reason (optional)", maxlength: 2000 });
    const form = el(
      "form",
      { class: "move" },
      el("label", {}, "Move to ", to),
      why,
      el("button", { type: "submit" }, "Move"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void post("/status", why.value.trim() ? { to: to.value, reason: why.value.trim() } : { to: to.value });
    });
    section.append(el("h2", {}, "Move"), form);
  }

  const body = el("textarea", { name: "body", rows: 3, placeholder: "Add a comment", maxlength: 64000 });
  const form = el("form", { class: "comment-form" }, body, el("button", { type: "submit" }, "Comment"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = body.value.trim();
    if (!text) return;
    void ctx
      .write(() => ctx.api.send("POST", taskPath(task.id, "/comments"), { body: text }))
      .then((done) => {
        if (done) body.value = "";
        reload();
      });
  });
  section.append(el("h2", {}, "Comment"), form);
  return section;
}
