// The execution waves view: the plan (GET /api/plan) drawn with dagre in a worker, laid out only for
// the waves opened (see window.ts), with each shown task's dependencies fetched once and kept until
// an event changes them. Reloads the plan at most twice a second while events arrive.
import { taskPath } from "../lib/api.ts";
import { el, replaceChildren } from "../lib/dom.ts";
import { blockerOf, subjectOf } from "../lib/events.ts";
import { coalesced } from "../lib/reload.ts";
import { taskHref } from "../lib/route.ts";
import type { Plan, TaskDetail } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";
import { drawWaves } from "./draw.ts";
import { createLayoutClient, type LayoutReply } from "./layout-client.ts";
import { buildWaveGraph, type Links, shownTasks } from "./spec.ts";
import { closeWave, initialWindow, keepWaves, openWave, showMore, type WaveWindow } from "./window.ts";

/** Requests in flight at once when fetching the links of shown tasks. */
const FETCHES = 6;
/** Least time between two plan reloads while events stream in. */
const RELOAD_MS = 500;

export function createWavesView(ctx: ViewContext): View {
  const summary = el("p", { class: "muted waves-summary" }, "Loading the plan…");
  const canvas = el("div", { class: "waves-canvas" });
  const problems = el("div", { class: "waves-problems" });
  const element = el("section", { class: "panel waves" }, el("h1", {}, "Execution waves"), summary, canvas, problems);
  const links = new Map<string, Links>();
  let plan: Plan | undefined;
  let opened: WaveWindow | undefined;
  let timer = 0;
  let drawn = 0;
  let destroyed = false;
  const layouts = createLayoutClient();

  async function fetchLinks(ids: string[]): Promise<void> {
    const todo = ids.filter((id) => !links.has(id));
    const next = async (): Promise<void> => {
      const id = todo.shift();
      if (id === undefined) return;
      try {
        const { task } = await ctx.api.get<{ task: TaskDetail }>(taskPath(id));
        links.set(id, { dependsOn: task.dependsOn, dependents: task.dependents });
      } catch {
        // A task removed since the plan was read: drawn without links until the next plan.
      }
      return next();
    };
    await Promise.all(Array.from({ length: FETCHES }, next));
  }

  async function draw(): Promise<void> {
    if (!plan || !opened) return;
    const started = performance.now();
    const turn = ++drawn;
    await fetchLinks(shownTasks(plan, opened));
    if (destroyed || turn !== drawn || !plan || !opened) return;
    const shown = opened;
    const fetched = performance.now();
    let reply: LayoutReply;
    try {
      reply = await layouts.layout(buildWaveGraph(plan, shown, (id) => links.get(id)));
    } catch (error) {
      ctx.banner.show(error);
      return;
    }
    if (destroyed || turn !== drawn) return;
    const { layout } = reply;
    const graph = drawWaves(layout, new Set(shown.keys()), (id) => ctx.board.cards.get(id), {
      open: (k) => redraw(openWave(planWaves(), shown, k)),
      more: (k) => redraw(showMore(planWaves(), shown, k)),
      close: (k) => redraw(closeWave(shown, k)),
    });
    replaceChildren(canvas, graph);
    const detail = {
      ms: performance.now() - started,
      linksMs: fetched - started,
      layoutMs: reply.ms,
      nodes: layout.nodes.length,
    };
    performance.mark("exarp:waves-rendered", { detail });
  }

  const planWaves = () => plan?.waves ?? [];
  const redraw = (next: WaveWindow) => {
    opened = next;
    void draw();
  };

  const reload = coalesced(async () => {
    try {
      ({ plan } = await ctx.api.get<{ plan: Plan }>("/api/plan"));
    } catch (error) {
      ctx.banner.show(error);
      return;
    }
    opened = opened ? keepWaves(plan.waves, opened) : initialWindow(plan.waves);
    const tasks = plan.waves.reduce((n, w) => n + w.length, 0);
    summary.textContent = `${plan.waves.length} waves · ${tasks} open tasks · up to ${plan.maxParallelism} at once · critical path (outlined) ${plan.criticalPath.total} min over ${plan.criticalPath.tasks.length} tasks`;
    replaceChildren(problems, ...renderProblems(plan));
    await draw();
  });

  reload();
  return {
    element,
    update(events) {
      let replan = false;
      for (const e of events) {
        if (!e.type.startsWith("task.") && !e.type.startsWith("dependency.")) continue;
        replan = true;
        const id = subjectOf(e);
        if (id) links.delete(id);
        const blocker = blockerOf(e);
        if (blocker) links.delete(blocker);
      }
      if (replan && !timer)
        timer = window.setTimeout(() => {
          timer = 0;
          reload();
        }, RELOAD_MS);
    },
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      layouts.close();
    },
  };
}

function renderProblems(plan: Plan): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (plan.unschedulable.length)
    out.push(
      el("h2", {}, `Cannot be scheduled (${plan.unschedulable.length})`),
      el(
        "ul",
        {},
        ...plan.unschedulable
          .slice(0, 50)
          .map((u) =>
            el("li", {}, el("a", { href: taskHref(u.id) }, u.id), ` ${u.reason.replace("-", " ")} via ${u.via}`),
          ),
      ),
    );
  if (plan.cycles.length)
    out.push(el("h2", {}, "Cycles"), el("ul", {}, ...plan.cycles.map((c) => el("li", {}, c.join(" → ")))));
  return out;
}
