import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Store } from "../store/store.ts";
import { CURRENT, rotatedFiles } from "./files.ts";
import { auditLine, lineSeq } from "./line.ts";

export type AuditCheck = { lines: number; problems: string[] };

const MAX_PROBLEMS = 20;

/**
 * Compares the audit files with the log, line by line: every event exactly once, in order, byte for
 * byte. A line edited by hand, a missing line or a line the log does not hold is a problem.
 */
export function verifyAudit(store: Store, dir: string): AuditCheck {
  const problems: string[] = [];
  const report = (problem: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
    else if (problems.length === MAX_PROBLEMS) problems.push("… more problems not shown");
  };
  const events = store.iterateEvents(0);
  let next = events.next();
  let lines = 0;
  const files = [...rotatedFiles(dir).map((f) => f.path), join(dir, CURRENT)].filter((p) => existsSync(p));
  for (const path of files) {
    const text = readFileSync(path, "utf8");
    const fileLines = text.split("\n");
    if (fileLines.at(-1) === "") fileLines.pop();
    for (const [i, line] of fileLines.entries()) {
      lines++;
      const where = `${basename(path)}:${i + 1}`;
      const seq = lineSeq(line);
      if (seq === undefined) {
        report(`${where} is not an audit line`);
        continue;
      }
      while (!next.done && next.value.seq < seq) {
        report(`event #${next.value.seq} is missing from the audit files (before ${where})`);
        next = events.next();
      }
      if (next.done || next.value.seq > seq) {
        report(`${where} holds #${seq}, which the log does not (or not here)`);
        continue;
      }
      if (auditLine(next.value) !== line) report(`${where} (#${seq}) differs from the log: edited?`);
      next = events.next();
    }
  }
  let missing = 0;
  let firstMissing = 0;
  for (; !next.done; next = events.next()) {
    if (missing++ === 0) firstMissing = next.value.seq;
  }
  if (missing > 0) report(`${missing} event(s) from #${firstMissing} on are not mirrored yet`);
  return { lines, problems };
}
