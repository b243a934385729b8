import type { GraphService } from "../graph/service.ts";
import type { ServiceContext } from "../kernel/context.ts";
import { int, oneOf, type QueryOf, query } from "../kernel/query.ts";
import { heldBy, liveLease } from "../lease/lease.ts";
import type { Task } from "../task/task.ts";
import { type ContextData, type ContextTask, DEFAULT_CONTEXT_BUDGET, renderContext } from "./render.ts";

export const contextQuery = query({
  role: oneOf(["build", "plan", "review"] as const),
  budget: int(256, 64_000),
  ready: int(0, 50),
});
export const ContextRequest = contextQuery.schema;
export type ContextRequest = QueryOf<typeof contextQuery.shape>;

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const item = (t: Task, note?: string): ContextTask => ({
  id: t.id,
  title: t.title,
  priority: t.priority,
  status: t.status,
  ...(note ? { note } : {}),
});

/** The budgeted task context an agent reads (system prompt, compaction, MCP `prime`, `exarp prime`). */
export function createContextService(ctx: ServiceContext, graph: GraphService) {
  const gather = (role: ContextData["role"], readyCount: number): ContextData => {
    const { store, actor } = ctx;
    const now = ctx.clock.now();
    const mine: ContextTask[] = [];
    for (const lease of store.leases()) {
      if (!liveLease(lease, now) || !heldBy(lease, actor)) continue;
      const task = store.task(lease.taskId, now);
      if (task) mine.push(item(task, `yours, lease #${lease.token} until ${hhmm(lease.expiresAt)} UTC`));
    }
    for (const approval of store.approvals("pending")) {
      if (approval.requestedBy !== actor.name || approval.requestedSession !== actor.session) continue;
      const task = store.task(approval.taskId);
      if (task) mine.push(item(task, "in review, waiting for approval"));
    }
    const approvals =
      role === "review"
        ? store.approvals("pending").flatMap((a) => {
            const task = store.task(a.taskId);
            return task ? [item(task, `asked by ${a.requestedBy}`)] : [];
          })
        : [];
    const ready = readyCount
      ? graph.ready({ limit: readyCount }).map((t) => item(t, t.unblocks ? `unblocks ${t.unblocks}` : undefined))
      : [];
    // The real backlog behind the shortened list, so "+N more" tells the truth.
    const readyTotal = ready.length < readyCount ? ready.length : graph.readyCount();
    let plan: ContextData["plan"];
    if (role === "plan") {
      const p = graph.plan();
      plan = {
        waves: p.waves.length,
        maxParallelism: p.maxParallelism,
        criticalPath: p.criticalPath.tasks,
        criticalMinutes: p.criticalPath.total,
        firstWave: (p.waves[0] ?? []).slice(0, 12),
      };
    }
    return { role, counts: store.countByStatus(now), mine, ready, readyTotal, approvals, ...(plan ? { plan } : {}) };
  };

  return {
    /** The data behind the context (for callers that render differently). */
    data(request: ContextRequest = {}): ContextData {
      const r = contextQuery.parse(request);
      return gather(r.role ?? "build", r.ready ?? 8);
    },

    /** The context as text, within the byte budget (default 2 KB). */
    render(request: ContextRequest = {}): string {
      const r = contextQuery.parse(request);
      return renderContext(gather(r.role ?? "build", r.ready ?? 8), r.budget ?? DEFAULT_CONTEXT_BUDGET);
    },
  };
}

export type ContextService = ReturnType<typeof createContextService>;
