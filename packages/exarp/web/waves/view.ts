// The execution waves view: the plan and the dependencies among its open tasks (one GET /api/plan)
// drawn with dagre in a worker, laid out only for the waves opened (see window.ts); titles and
// statuses come from the board's cards. Reloads the plan at most twice a second while events arrive.
import { el, replaceChildren } from "../lib/dom.ts";
import { coalesced } from "../lib/reload.ts";
import { taskHref } from "../lib/route.ts";
import type { Plan, PlanGraph } from "../lib/types.ts";
import type { View, ViewContext } from "../lib/view.ts";
import { drawWaves } from "./draw.ts";
import { createLayoutClient, type LayoutReply } from "./layout-client.ts";
import { buildWaveGraph } from "./spec.ts";
import { closeWave, initialWindow, keepWaves, openWave, showMore, type WaveWindow } from "./window.ts";

/** Least time between two plan reloads while events stream in. */
const RELOAD_MS = 500;

export function createWavesView(ctx: ViewContext): View {
  const summary = el("p", { class: "muted waves-summary" }, "Loading the plan…");
  const canvas = el("div", { class: "waves-canvas" });
  const problems = el("div", { class: "waves-problems" });
  const element = el("section", { class: "panel waves" }, el("h1", {}, "Execution waves"), summary, canvas, problems);
  let planned: PlanGraph | undefined;
  let opened: WaveWindow | undefined;
  let timer = 0;
  let drawn = 0;
  let destroyed = false;
  const layouts = createLayoutClient();

  async function draw(): Promise<void> {
    if (!planned || !opened) return;
    const started = performance.now();
    const turn = ++drawn;
    const shown = opened;
    let reply: LayoutReply;
    try {
      reply = await layouts.layout(buildWaveGraph(planned.plan, shown, planned.dependencies));
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
    const detail = { ms: performance.now() - started, layoutMs: reply.ms, nodes: layout.nodes.length };
    performance.mark("exarp:waves-rendered", { detail });
  }

  const planWaves = () => planned?.plan.waves ?? [];
  const redraw = (next: WaveWindow) => {
    opened = next;
    void draw();
  };

  const reload = coalesced(async () => {
    try {
      planned = await ctx.api.get<PlanGraph>("/api/plan");
    } catch (error) {
      ctx.banner.show(error);
      return;
    }
    const { plan } = planned;
    opened = opened ? keepWaves(plan.waves, opened) : initialWindow(plan.waves);
    summary.textContent = describePlan(plan);
    replaceChildren(problems, ...renderProblems(plan));
    if (plan.waves.length) await draw();
    else replaceChildren(canvas);
  });

  reload();
  return {
    element,
    update(events) {
      const replan = events.some((e) => e.type.startsWith("task.") || e.type.startsWith("dependency."));
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

function describePlan(plan: Plan): string {
  if (!plan.waves.length)
    return plan.unschedulable.length ? "No open task can be scheduled:" : "Nothing to plan: no task is open.";
  const tasks = plan.waves.reduce((n, w) => n + w.length, 0);
  return `${plan.waves.length} waves · ${tasks} open tasks · up to ${plan.maxParallelism} at once · critical path (outlined) ${plan.criticalPath.total} min over ${plan.criticalPath.tasks.length} tasks`;
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
