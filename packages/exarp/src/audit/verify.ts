import { statSync } from "node:fs";
import { basename } from "node:path";
import type { EventRow } from "../event/envelope.ts";
import { GENESIS_HASH } from "../event/hash.ts";
import { eventPages } from "../store/pages.ts";
import { auditFiles, fileLines } from "./files.ts";
import { auditLine, lineSeq, rowFromLine } from "./line.ts";

/** What doctor found in the audit files: problems are damage; notes are states that are not. */
export type AuditCheck = { lines: number; problems: string[]; notes: string[] };

/** The reads the check needs: the log, and how far the mirror says it wrote. */
export type AuditSource = {
  eventRows(after: number, limit: number): EventRow[];
  maxSeq(): number;
  auditPosition(): number | null;
};

const MAX_PROBLEMS = 20;

/**
 * Compares the audit files with the log, line by line: every event exactly once, in order, byte for
 * byte. An edited, missing or foreign line, a file that is not a file, and files that end before
 * the position the mirror recorded (truncated or deleted) are problems. Lines after the log's end
 * that continue its chain (a write that never committed) and events newer than the files (written
 * by a process without the mirror) are notes: the next write cuts or adds them. Never writes.
 */
export function verifyAudit(source: AuditSource, dir: string): AuditCheck {
  const problems: string[] = [];
  const notes: string[] = [];
  const report = (problem: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
    else if (problems.length === MAX_PROBLEMS) problems.push("… more problems not shown");
  };
  const maxSeq = source.maxSeq();
  const events = eventPages(source, 0);
  let next = events.next();
  let lines = 0;
  let tip = 0;
  let tipHash = GENESIS_HASH;
  /** Lines past the end of the log, judged at the end: a valid continuation is an interrupted write. */
  let beyond: { where: string; text: string; complete: boolean }[] = [];
  const judgeBeyond = (atEnd: boolean) => {
    if (!beyond.length) return;
    let hash = tipHash;
    let seq = tip;
    const continuation =
      atEnd &&
      beyond.every((l, i) => {
        if (!l.complete && i === beyond.length - 1) return true;
        const row = rowFromLine(l.text);
        if (!row || row.seq !== seq + 1 || row.prev_hash !== hash) return false;
        seq = row.seq;
        hash = row.hash;
        return true;
      });
    if (continuation) {
      notes.push(
        `${beyond.length} line(s) after #${tip} from a write that never committed (${beyond[0]?.where} on); the next write cuts them`,
      );
    } else {
      for (const l of beyond) {
        const s = lineSeq(l.text);
        report(s === undefined ? `${l.where} is not an audit line` : `${l.where} holds #${s}, which the log does not`);
      }
    }
    beyond = [];
  };
  for (const path of auditFiles(dir)) {
    const name = basename(path);
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch {
      continue; // absent: judged by what is missing at the end
    }
    if (!isFile) {
      report(`${name} is not a file`);
      continue;
    }
    let i = 0;
    try {
      for (const line of fileLines(path)) {
        i++;
        lines++;
        const where = `${name}:${i}`;
        const seq = lineSeq(line.text);
        if (beyond.length || (seq !== undefined && seq > maxSeq) || !line.complete) {
          beyond.push({ where, text: line.text, complete: line.complete });
          continue;
        }
        if (seq === undefined) {
          report(`${where} is not an audit line`);
          continue;
        }
        while (!next.done && next.value.seq < seq) {
          report(`event #${next.value.seq} is missing from the audit files (before ${where})`);
          next = events.next();
        }
        if (next.done || next.value.seq > seq) {
          report(`${where} holds #${seq} out of order (a duplicate, or a line moved)`);
          continue;
        }
        // A damaged event in the log is the log's problem (the chain check names it), not the file's.
        let expected: string | undefined;
        try {
          expected = auditLine(next.value);
        } catch (error) {
          report(`${where} (#${seq}) cannot be compared: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (expected !== undefined && expected !== line.text)
          report(`${where} (#${seq}) differs from the log: edited?`);
        tip = seq;
        tipHash = next.value.hash;
        next = events.next();
      }
    } catch (error) {
      report(`${name} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  judgeBeyond(true);
  const recorded = source.auditPosition();
  if (recorded !== null && tip < recorded) {
    report(`the audit files end at #${tip}, but the mirror had written through #${recorded}: truncated or deleted`);
  } else if (!next.done) {
    const first = next.value.seq;
    notes.push(`${maxSeq - first + 1} newer event(s) from #${first} are not mirrored yet; the next write adds them`);
  }
  return { lines, problems, notes };
}
