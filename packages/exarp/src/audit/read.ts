import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CURRENT, rotatedFiles } from "./files.ts";
import { lineSeq } from "./line.ts";

/** Which audit lines to read. */
export type AuditFilter = { task?: string; type?: string; actor?: string; after?: number };

/** An audit line as written (see auditLine). */
export type AuditEntry = { seq: number; at: string; type: string; task: string; actor: string; [key: string]: unknown };

/** Reads audit lines from the rotated files and the current one, oldest first, skipping whole files before `after`. */
export function readAudit(dir: string, filter: AuditFilter = {}): AuditEntry[] {
  const after = filter.after ?? 0;
  const files = [
    ...rotatedFiles(dir)
      .filter((f) => f.last > after)
      .map((f) => f.path),
    join(dir, CURRENT),
  ];
  const out: AuditEntry[] = [];
  for (const path of files) {
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (!line || (lineSeq(line) ?? 0) <= after) continue;
      const e = JSON.parse(line) as AuditEntry;
      if (filter.task && e.task !== filter.task) continue;
      if (filter.type && !e.type.startsWith(filter.type)) continue;
      if (filter.actor && e.actor !== filter.actor) continue;
      out.push(e);
    }
  }
  return out;
}
