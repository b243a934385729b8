import { z } from "zod";
import { ApproveRequest, DenyRequest, WaitRequest } from "../../approval/approval.ts";
import { As } from "../identity.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { approvalView, taskSummary } from "../views.ts";

/** How long `request` waits when not told: well inside a client's usual 60 s tool timeout. */
const DEFAULT_WAIT_MS = 30_000;

const Input = z.strictObject({
  action: z.enum(["request", "approve", "deny", "list"]),
  taskId: ApproveRequest.shape.taskId.optional(),
  note: ApproveRequest.shape.note,
  reason: DenyRequest.shape.reason.optional(),
  timeoutMs: WaitRequest.shape.timeoutMs.optional(),
  as: As.optional(),
});

export const approvalTool = defineTool({
  name: "approval",
  description: TOOL_TEXT.approval,
  input: Input,
  actions: {
    request: { fields: ["taskId", "timeoutMs"], required: ["taskId"] },
    approve: { fields: ["taskId", "note"], required: ["taskId"] },
    deny: { fields: ["taskId", "reason"], required: ["taskId", "reason"] },
    list: { fields: [] },
  },
  async run(args, services) {
    const { approvals } = services;
    const taskId = args.taskId as string;
    switch (args.action) {
      case "request": {
        const decision = await approvals.request({ taskId, timeoutMs: args.timeoutMs ?? DEFAULT_WAIT_MS });
        const task = services.tasks.get(taskId);
        return { json: { ...decision, task: taskSummary(task) } };
      }
      case "approve":
        return { json: { approved: taskSummary(approvals.approve({ taskId, note: args.note })) } };
      case "deny":
        return { json: { denied: taskSummary(approvals.deny({ taskId, reason: args.reason as string })) } };
      case "list":
        return { json: { pending: approvals.pending().map((a) => ({ ...approvalView(a), title: a.title })) } };
    }
  },
});
