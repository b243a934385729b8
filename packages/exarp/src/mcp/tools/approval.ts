import { WaitRequest } from "../../approval/approval.ts";
import { lazy, z } from "../../kernel/zod.ts";
import { As } from "../identity.ts";
import { REFUSAL_TEXT, TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { approvalView, taskSummary } from "../views.ts";

/** How long `request` waits when not told: well inside a client's usual 60 s tool timeout. */
export const DEFAULT_WAIT_MS = 30_000;

// No approve or deny: only a person decides, and this server never acts as one. Asking for them is
// answered with where a person decides, not with the bare list of actions.
const Action = lazy(() =>
  z.enum(["request", "list"], {
    error: (issue) => (issue.input === "approve" || issue.input === "deny" ? REFUSAL_TEXT.decide : undefined),
  }),
);

const Input = lazy(() =>
  z.strictObject({
    action: Action,
    taskId: WaitRequest.shape.taskId.optional(),
    timeoutMs: WaitRequest.shape.timeoutMs.optional(),
    lease: WaitRequest.shape.lease,
    as: As.optional(),
  }),
);

export const approvalTool = defineTool({
  name: "approval",
  description: TOOL_TEXT.approval(DEFAULT_WAIT_MS),
  input: Input,
  actions: {
    request: { fields: ["taskId", "timeoutMs", "lease"], required: ["taskId"] },
    list: { fields: [] },
  },
  // Not async: the request's write fails synchronously (and is retried while busy); only the wait is a promise.
  run(args, services, signal) {
    const { approvals } = services;
    if (args.action === "list")
      return { json: { pending: approvals.pending().map((a) => ({ ...approvalView(a), title: a.title })) } };
    const taskId = args.taskId as string;
    const waiting = approvals.request(
      { taskId, timeoutMs: args.timeoutMs ?? DEFAULT_WAIT_MS, lease: args.lease },
      { signal },
    );
    return waiting.then((decision) => ({ json: { ...decision, task: taskSummary(services.tasks.get(taskId)) } }));
  },
});
