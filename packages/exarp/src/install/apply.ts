// Carrying out an install plan as one change: every write and delete, then the record. When any
// step fails (a full disk, a folder that cannot be written), what was already done is put back,
// newest first, so a re-run never finds files of exarp's that its record does not know.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { StorageError } from "../errors-catalog.ts";
import { readCurrent, removeFile, writeAtomic } from "./files.ts";
import type { Current, Plan } from "./plan.ts";

import { RECORD_FILE, writeRecord } from "./record.ts";

const restore = (root: string, rel: string, before: Current) => () => {
  if ("text" in before) writeAtomic(root, rel, before.text);
  else removeFile(root, rel);
};

export function applyPlan(root: string, plan: Plan, withRecord: boolean): void {
  const undo: { rel: string; step: () => void }[] = [];
  try {
    for (const write of plan.writes) {
      const before = readCurrent(root, write.path);
      const madeDir = writeAtomic(root, write.path, write.text);
      if (madeDir) undo.push({ rel: madeDir, step: () => rmSync(madeDir, { recursive: true, force: true }) });
      undo.push({ rel: write.path, step: restore(root, write.path, before) });
    }
    for (const path of plan.deletes) {
      const before = readCurrent(root, path);
      removeFile(root, path);
      undo.push({ rel: path, step: restore(root, path, before) });
    }
    if (withRecord) {
      const before = readCurrent(root, RECORD_FILE);
      writeRecord(root, plan.record);
      undo.push({ rel: RECORD_FILE, step: restore(root, RECORD_FILE, before) });
    }
  } catch (error) {
    const left: string[] = [];
    for (const { rel, step } of undo.reverse()) {
      try {
        step();
      } catch {
        left.push(rel.startsWith(root) ? rel : join(root, rel));
      }
    }
    if (left.length)
      throw new StorageError({
        path: root,
        reason: `${(error as Error).message}; and these could not be put back as they were: ${left.join(", ")}`,
      });
    throw error;
  }
}
