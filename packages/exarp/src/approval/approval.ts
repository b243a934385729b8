import { z } from "zod";
import { TaskId } from "../task/task.ts";

export type ApprovalState = "pending" | "approved" | "denied" | "timed_out" | "withdrawn";

/** A request for a decision on a task in review. Its id is the seq of its `approval.requested` event. */
export type Approval = {
  id: number;
  taskId: string;
  requestedBy: string;
  requestedSession: string | null;
  requestedAt: number;
  state: ApprovalState;
  decidedBy: string | null;
  decidedSession: string | null;
  decidedAt: number | null;
  reason: string | null;
};

/** How a wait for a decision ended. `timeout` means "not approved", recorded as such. */
export type ApprovalOutcome = {
  outcome: "approved" | "denied" | "timeout" | "withdrawn";
  requestId: number;
  by: string | null;
  reason: string | null;
};

export const ApproveRequest = z.strictObject({ taskId: TaskId, note: z.string().trim().min(1).max(2000).optional() });
export type ApproveRequest = z.input<typeof ApproveRequest>;

export const DenyRequest = z.strictObject({
  taskId: TaskId,
  reason: z.string().trim().min(1, "a denial needs a reason").max(2000),
});
export type DenyRequest = z.input<typeof DenyRequest>;

export const WaitRequest = z.strictObject({
  taskId: TaskId,
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60 * 60_000),
});
export type WaitRequest = z.input<typeof WaitRequest>;
