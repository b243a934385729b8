// A task's page (`#/task/ID`): what it is, why it is not ready, its links, comments and history,
// reloaded when an event concerns it. Writes are offered only where the session's scope allows.
import { taskPath } from "../lib/api.ts";
import { el, replaceChildren } from "../lib/dom.ts";
import { blockerOf, subjectOf } from "../lib/events.ts";
import { coalesced } from "../lib/reload.ts";
import type { Explanation, StreamEvent, TaskDetail } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";
import { renderActions } from "./actions.ts";
import { renderSections } from "./sections.ts";

export type TaskPage = { task: TaskDetail; explanation: Explanation; events: StreamEvent[] };

export function createTaskView(ctx: ViewContext, id: string): View {
  const element = el("section", { class: "panel task-page", "data-task": id }, el("p", { class: "muted" }, "Loading…"));

  const reload = coalesced(async () => {
    try {
      const [{ task }, { explanation }, { events }] = await Promise.all([
        ctx.api.get<{ task: TaskDetail }>(taskPath(id)),
        ctx.api.get<{ explanation: Explanation }>(taskPath(id, "/explain")),
        ctx.api.get<{ events: StreamEvent[] }>(`/api/history?task=${encodeURIComponent(id)}&limit=100`),
      ]);
      const page = { task, explanation, events };
      replaceChildren(element, ...renderSections(ctx, page), renderActions(ctx, task, reload));
    } catch (error) {
      ctx.banner.show(error);
      replaceChildren(element, el("p", { class: "empty" }, `Task ${id} could not be loaded.`));
    }
  });

  reload();
  return {
    element,
    update(events) {
      if (events.some((e) => subjectOf(e) === id || blockerOf(e) === id || e.type.startsWith("lease."))) reload();
    },
    destroy() {},
  };
}
