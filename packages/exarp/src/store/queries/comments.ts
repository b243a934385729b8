import type { Comment } from "../../task/task.ts";
import type { SqlDriver } from "../driver.ts";
import { type CommentRow, commentFromRow } from "../rows.ts";

/** Reads of the comments projection. */
export function createCommentQueries(db: SqlDriver) {
  return {
    comments(taskId: string): Comment[] {
      return db
        .prepare<CommentRow>("SELECT * FROM comments WHERE task_id = ? ORDER BY created_at, seq, id")
        .all(taskId)
        .map(commentFromRow);
    },

    comment(id: string): Comment | undefined {
      const row = db.prepare<CommentRow>("SELECT * FROM comments WHERE id = ?").get(id);
      return row && commentFromRow(row);
    },
  };
}

export type CommentQueries = ReturnType<typeof createCommentQueries>;
