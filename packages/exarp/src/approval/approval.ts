import { lazy, z } from "../kernel/zod.ts";
import { StatusChange } from "../task/commands.ts";
import { TaskId } from "../task/task.ts";
import { multiLine } from "../text/fields.ts";

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

export const ApproveRequest = lazy(() =>
  z.strictObject({
    taskId: TaskId,
    note: multiLine("note", 2000).trim().min(1, "note is empty").optional(),
  }),
);
export type ApproveRequest = z.input<typeof ApproveRequest>;

export const DenyRequest = lazy(() =>
  z.strictObject({
    taskId: TaskId,
    reason: multiLine("reason", 2000).trim().min(1, "a denial needs a reason"),
  }),
);
export type DenyRequest = z.input<typeof DenyRequest>;

/** Ask for a decision and wait for it; the move to review takes the same guards as any status move. */
export const WaitRequest = lazy(() =>
  z.strictObject({
    taskId: TaskId,
    timeoutMs: z
      .number()
      .int()
      .min(1, "the wait must be at least 1 ms")
      .max(7 * 24 * 60 * 60_000, "the wait must be at most 7 days"),
    reason: StatusChange.shape.reason,
    expectedVersion: StatusChange.shape.expectedVersion,
    lease: StatusChange.shape.lease,
  }),
);
export type WaitRequest = z.input<typeof WaitRequest>;
