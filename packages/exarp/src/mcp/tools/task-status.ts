import { lazy } from "../../kernel/zod.ts";
import { StatusChange } from "../../task/commands.ts";
import { As } from "../identity.ts";
import { outputOf } from "../outputs.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { taskSummary } from "../views.ts";

export const taskStatusTool = defineTool({
  name: "task_status",
  description: TOOL_TEXT.task_status,
  input: lazy(() => StatusChange.extend({ as: As.optional() })),
  output: outputOf("task_status"),
  run({ as: _, ...change }, services) {
    const task = services.tasks.setStatus(change);
    return { json: { task: taskSummary(task) } };
  },
});
