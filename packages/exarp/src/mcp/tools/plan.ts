import { PlanQuery } from "../../graph/service.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";

/** Ids listed in waves before the rest is summarised: a plan of thousands of tasks is not context. */
const MAX_LISTED = 300;

export const planTool = defineTool({
  name: "plan",
  description: TOOL_TEXT.plan,
  input: PlanQuery,
  annotations: { readOnlyHint: true },
  run(args, services) {
    const plan = services.graph.plan(args);
    const waves: string[][] = [];
    let listed = 0;
    for (const wave of plan.waves) {
      if (listed >= MAX_LISTED) break;
      waves.push(wave.slice(0, MAX_LISTED - listed));
      listed += (waves.at(-1) as string[]).length;
    }
    const total = plan.waves.reduce((n, wave) => n + wave.length, 0);
    const titles: Record<string, string> = {};
    for (const id of [...waves.flat(), ...plan.criticalPath.tasks]) {
      const task = services.tasks.find(id);
      if (task) titles[id] = task.title;
    }
    return {
      json: {
        waves,
        ...(listed < total ? { more: `${total - listed} more tasks are not listed` } : {}),
        maxParallelism: plan.maxParallelism,
        criticalPath: { tasks: plan.criticalPath.tasks, minutes: plan.criticalPath.total },
        ...(plan.unschedulable.length ? { cannotStart: plan.unschedulable } : {}),
        ...(plan.cycles.length ? { cycles: plan.cycles } : {}),
        titles,
      },
    };
  },
});
