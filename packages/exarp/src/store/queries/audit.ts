import type { SqlDriver } from "../driver.ts";

/** Reads of the audit mirror's mark (how far audit.jsonl follows the log). */
export function createAuditQueries(db: SqlDriver) {
  const audit = {
    /** How far the audit mirror has written (null: never recorded, as in a project from before it was). */
    auditPosition(): number | null {
      return audit.auditMark()?.seq ?? null;
    },

    /** The audit mirror's record: the seq it wrote up to and the size it left audit.jsonl at. */
    auditMark(): { seq: number; bytes: number | null } | undefined {
      return db
        .prepare<{ seq: number; bytes: number | null }>("SELECT seq, bytes FROM audit_mirror WHERE id = 1")
        .get();
    },
  };
  return audit;
}
