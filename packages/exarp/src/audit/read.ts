import { statSync } from "node:fs";
import { basename } from "node:path";
import type { EventRow } from "../event/envelope.ts";
import { eventPages } from "../store/pages.ts";
import { auditFiles, fileLines, rotatedFiles } from "./files.ts";
import { auditLine, lineSeq } from "./line.ts";

/** Which audit lines to read. */
export type AuditFilter = { task?: string; type?: string; actor?: string; after?: number };

/** An audit line as written (see auditLine). */
export type AuditEntry = { seq: number; at: string; type: string; task: string; actor: string; [key: string]: unknown };

/**
 * Reads audit lines from the rotated files and the current one, oldest first, skipping whole files
 * before `after`. A line that is not an audit line, or a file that cannot be read, is skipped and
 * reported through `problem` (doctor says what is wrong in full).
 */
export function readAudit(
  dir: string,
  filter: AuditFilter = {},
  problem: (message: string) => void = () => undefined,
): AuditEntry[] {
  const after = filter.after ?? 0;
  const skip = new Set(
    rotatedFiles(dir)
      .filter((f) => f.last <= after)
      .map((f) => f.path),
  );
  const out: AuditEntry[] = [];
  for (const path of auditFiles(dir)) {
    if (skip.has(path)) continue;
    try {
      if (!statSync(path).isFile()) {
        problem(`${basename(path)} is not a file; skipped`);
        continue;
      }
    } catch {
      continue;
    }
    let i = 0;
    for (const line of fileLines(path)) {
      i++;
      const seq = lineSeq(line.text);
      if (seq === undefined || !line.complete) {
        problem(`${basename(path)}:${i} is not an audit line; skipped (see \`exarp doctor\`)`);
        continue;
      }
      if (seq <= after) continue;
      let e: AuditEntry;
      try {
        e = JSON.parse(line.text) as AuditEntry;
      } catch {
        problem(`${basename(path)}:${i} is not an audit line; skipped (see \`exarp doctor\`)`);
        continue;
      }
      if (matches(e, filter)) out.push(e);
    }
  }
  return out;
}

function matches(e: AuditEntry, filter: AuditFilter): boolean {
  if (filter.task && e.task !== filter.task) return false;
  if (filter.type && !String(e.type).startsWith(filter.type)) return false;
  return !filter.actor || e.actor === filter.actor;
}

/**
 * The audit trail read from the event log itself (team mode, where the database's log is the
 * trail every machine shares): the same entries, line for line, that the audit files hold.
 */
export function readAuditLog(
  source: { eventRows(after: number, limit: number): EventRow[] },
  filter: AuditFilter = {},
): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const row of eventPages(source, filter.after ?? 0)) {
    const e = JSON.parse(auditLine(row)) as AuditEntry;
    if (matches(e, filter)) out.push(e);
  }
  return out;
}
