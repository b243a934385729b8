import type { Services } from "../../app/exarp.ts";
import { ApproveRequest, DenyRequest, WaitRequest } from "../../approval/approval.ts";
import { lazy, z } from "../../kernel/zod.ts";
import { As } from "../identity.ts";
import { outputOf } from "../outputs.ts";
import { REFUSAL_TEXT, TOOL_TEXT } from "../prompts.ts";
import { defineTool, type ToolOutput } from "../tool.ts";
import { approvalView, taskSummary } from "../views.ts";

/** How long `request` waits when not told: well inside a client's usual 60 s tool timeout. */
export const DEFAULT_WAIT_MS = 30_000;

/**
 * An agent's actions: no approve or deny, since only a person decides. Asking for them is answered
 * with where a person decides (`refusal`), not with the bare list of actions.
 */
const agentAction = (refusal: string) =>
  z.enum(["request", "list"], {
    error: (issue) => (issue.input === "approve" || issue.input === "deny" ? refusal : undefined),
  });

const waitFields = () => ({
  taskId: WaitRequest.shape.taskId.optional(),
  timeoutMs: WaitRequest.shape.timeoutMs.optional(),
  lease: WaitRequest.shape.lease,
});

const agentActions = {
  request: { fields: ["taskId", "timeoutMs", "lease"], required: ["taskId"] },
  list: { fields: [] },
} as const;

/** The actions every variant has: list what waits, or ask for a decision and wait for it. */
function requestOrList(
  args: { action: string; taskId?: string; timeoutMs?: number; lease?: number },
  services: Services,
  signal: AbortSignal,
): ToolOutput | Promise<ToolOutput> {
  const { approvals } = services;
  if (args.action === "list")
    return { json: { pending: approvals.pending().map((a) => ({ ...approvalView(a), title: a.title })) } };
  const taskId = args.taskId as string;
  // Not async: the request's write fails synchronously (and is retried while busy); only the wait is a promise.
  const waiting = approvals.request(
    { taskId, timeoutMs: args.timeoutMs ?? DEFAULT_WAIT_MS, lease: args.lease },
    { signal },
  );
  return waiting.then((decision) => ({ json: { ...decision, task: taskSummary(services.tasks.get(taskId)) } }));
}

const scopeOf = (args: { action: string }) =>
  args.action === "list" ? "viewer" : args.action === "request" ? "collaborator" : "owner";

/** Over stdio: agents ask and list; a person decides through the CLI. */
export const approvalTool = defineTool({
  name: "approval",
  description: TOOL_TEXT.approval(DEFAULT_WAIT_MS, "cli"),
  input: lazy(() => z.strictObject({ action: agentAction(REFUSAL_TEXT.decide), ...waitFields(), as: As.optional() })),
  output: outputOf("approval"),
  actions: agentActions,
  run: requestOrList,
});

/** Over remote MCP for a viewer or collaborator token: as over stdio; a person decides with an owner token. */
export const tokenApprovalTool = defineTool({
  name: "approval",
  description: TOOL_TEXT.approval(DEFAULT_WAIT_MS, "ownerToken"),
  input: lazy(() => z.strictObject({ action: agentAction(REFUSAL_TEXT.decideToken), ...waitFields() })),
  output: outputOf("approval"),
  actions: agentActions,
  scope: scopeOf,
  run: requestOrList,
});

/** Over remote MCP for an owner token, a person: also approve and deny (the core refuses a self-approval). */
export const ownerApprovalTool = defineTool({
  name: "approval",
  description: TOOL_TEXT.approval(DEFAULT_WAIT_MS, "caller"),
  input: lazy(() =>
    z.strictObject({
      action: z.enum(["request", "list", "approve", "deny"]),
      ...waitFields(),
      note: ApproveRequest.shape.note,
      reason: DenyRequest.shape.reason.optional(),
    }),
  ),
  output: outputOf("approval"),
  actions: {
    ...agentActions,
    approve: { fields: ["taskId", "note"], required: ["taskId"] },
    deny: { fields: ["taskId", "reason"], required: ["taskId", "reason"] },
  },
  scope: scopeOf,
  run(args, services, signal) {
    const taskId = args.taskId as string;
    if (args.action === "approve")
      return { json: { task: taskSummary(services.approvals.approve({ taskId, note: args.note })) } };
    if (args.action === "deny")
      return { json: { task: taskSummary(services.approvals.deny({ taskId, reason: args.reason as string })) } };
    return requestOrList(args, services, signal);
  },
});
