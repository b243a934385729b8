import type { Approval } from "../../approval/approval.ts";
import type { SqlDriver } from "../driver.ts";
import { type ApprovalRow, approvalFromRow } from "../rows.ts";

/** Reads of the approvals projection. */
export function createApprovalQueries(db: SqlDriver) {
  return {
    approval(id: number): Approval | undefined {
      const row = db.prepare<ApprovalRow>("SELECT * FROM approvals WHERE id = ?").get(id);
      return row && approvalFromRow(row);
    },

    /** The newest approval request of a task, in whatever state. */
    latestApproval(taskId: string): Approval | undefined {
      const row = db
        .prepare<ApprovalRow>("SELECT * FROM approvals WHERE task_id = ? ORDER BY id DESC LIMIT 1")
        .get(taskId);
      return row && approvalFromRow(row);
    },

    /** Approval requests in a state (default pending), oldest first. */
    approvals(state: Approval["state"] = "pending"): Approval[] {
      return db
        .prepare<ApprovalRow>("SELECT * FROM approvals WHERE state = ? ORDER BY id")
        .all(state)
        .map(approvalFromRow);
    },
  };
}
