import { appendFileSync, mkdirSync, renameSync, rmSync, truncateSync } from "node:fs";
import { basename, join } from "node:path";
import { StorageError } from "../errors-catalog.ts";
import type { EventRow } from "../event/envelope.ts";
import { GENESIS_HASH, hashEvent } from "../event/hash.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { eventPages } from "../store/pages.ts";
import type { CommitParticipant, Tx } from "../store/store.ts";
import { auditFiles, CURRENT, type FileEnds, fileEnds, fileLines, rotatedFiles, rotatedName } from "./files.ts";
import { auditLine, lineSeq, rowFromLine } from "./line.ts";

export const DEFAULT_AUDIT_MAX_BYTES = 16 * 1024 * 1024;
const BATCH_BYTES = 256 * 1024;

export type AuditMirrorOptions = {
  /** Rotate audit.jsonl once it reaches this size (setting `audit.maxBytes`). */
  maxBytes?: number;
  /** Hears, once, about damage found and repaired. */
  warn: (message: string) => void;
};

/** Steps that take back what a transaction wrote to the files, should its COMMIT fail. */
type Journal = (() => void)[];

/** How the files stand against the log, judged before anything is appended. */
type Verdict =
  | { kind: "ok"; position: number; cutTo?: number; current: FileEnds }
  | { kind: "damaged"; reason: string }
  | { kind: "conflict"; reason: string };

/**
 * `.exarp/audit.jsonl`: an append-only mirror of the event log, one line per event, rotated by size
 * into `audit.<first>-<last>.jsonl`. It is written inside every write transaction, holding the write
 * lock (so concurrent processes never interleave, duplicate or rotate twice), and the position it
 * reached is recorded in the same transaction. Before appending, the files are checked against that
 * record and the log: the names must join up, and the last line must be exactly the log's line for
 * the recorded position.
 *
 * - Lines after it that a crashed, uncommitted write left behind (a valid continuation of the chain
 *   beyond the log, or a torn line) are cut: that is recovery, not damage.
 * - A missing, truncated, edited or foreign file is damage: the log's chain is verified, the damaged
 *   files are moved aside into `audit-damaged-<time>/`, the mirror is rebuilt from the log, and
 *   `warn` says so once.
 * - A last line that is itself a valid record but differs from the log means the two disagree about
 *   history: nothing is written, and the write is refused until a person looks (`exarp doctor`).
 */
export function createAuditMirror(dir: string, options: AuditMirrorOptions): CommitParticipant {
  const maxBytes = options.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES;
  return (tx, appended) => {
    const target = tx.maxSeq();
    if (tx.auditMark()?.seq === target) return undefined;
    mkdirSync(dir, { recursive: true });
    const committed = target - appended.length;
    const journal: Journal = [];
    try {
      const verdict = judge(tx, dir, committed);
      let position: number;
      let ends: FileEnds | undefined;
      if (verdict.kind === "conflict") {
        throw new StorageError({
          path: join(dir, CURRENT),
          reason: `${verdict.reason}; the change was refused and nothing written: run \`exarp doctor\``,
        });
      } else if (verdict.kind === "damaged") {
        rebuild(tx, dir, committed, verdict.reason, maxBytes, journal, options.warn);
        position = committed;
      } else {
        position = verdict.position;
        ends = verdict.current;
        if (verdict.cutTo !== undefined && verdict.cutTo !== ends.size) {
          truncateSync(join(dir, CURRENT), verdict.cutTo);
          ends = undefined;
        }
      }
      const bytes = write(tx, dir, position, target, maxBytes, journal, ends);
      tx.setAuditMark(target, bytes);
    } catch (error) {
      undo(journal);
      throw error;
    }
    return () => undo(journal);
  };
}

function undo(journal: Journal): void {
  for (const step of journal.reverse()) {
    try {
      step();
    } catch {
      // best effort: the next write re-checks the files against the log anyway
    }
  }
  journal.length = 0;
}

/** Compares the audit files with the recorded position and the log (see createAuditMirror). */
function judge(tx: Tx, dir: string, committed: number): Verdict {
  const rotated = rotatedFiles(dir);
  const current = fileEnds(join(dir, CURRENT));
  if (current.kind === "other") return { kind: "damaged", reason: `${CURRENT} is not a file` };
  let expectFirst = 1;
  for (const r of rotated) {
    if (r.first !== expectFirst || r.last < r.first)
      return { kind: "damaged", reason: `rotated file ${r.name} does not follow #${expectFirst - 1}` };
    expectFirst = r.last + 1;
  }
  if (current.last && current.first !== expectFirst)
    return { kind: "damaged", reason: `${CURRENT} starts at #${current.first ?? "?"}, not at #${expectFirst}` };
  const lastRotated = rotated.at(-1);
  const tip = current.last
    ? { text: current.last.text, file: CURRENT }
    : lastRotated
      ? { text: fileEnds(lastRotated.path).last?.text ?? "", file: lastRotated.name }
      : undefined;
  const tipSeq = tip ? lineSeq(tip.text) : undefined;
  const mark = tx.auditMark();
  const recorded = mark?.seq ?? null;
  // Someone else wrote to (or cut) audit.jsonl since the mirror last did: check it line by line.
  const resized = mark?.bytes !== undefined && mark.bytes !== null && mark.bytes !== current.size;
  // A project from before positions were recorded adopts the files' own tip, once verified.
  const position = Math.min(recorded ?? tipSeq ?? 0, committed);
  if (recorded !== null && recorded > committed)
    return { kind: "damaged", reason: `the mirror claims #${recorded}, beyond the log's #${committed}` };
  const tornCut = current.torn ? current.size - current.torn : undefined;
  if (!tip || tip.text === "") {
    if (position === 0) return { kind: "ok", position: 0, cutTo: tornCut, current };
    return { kind: "damaged", reason: `the audit files are empty or missing, though they had reached #${position}` };
  }
  if (tipSeq === undefined) return { kind: "damaged", reason: `the last line of ${tip.file} is not an audit line` };
  if (tipSeq < position)
    return { kind: "damaged", reason: `the audit files end at #${tipSeq}, though they had reached #${position}` };
  const expected = position ? tx.eventRow(position) : undefined;
  if (resized && tip.file === CURRENT) return judgeTail(tx, dir, position, expected, committed, current);
  if (resized && current.size > 0)
    return { kind: "damaged", reason: `${CURRENT} was changed by something other than exarp` };
  if (tipSeq === position) {
    const row = expected as EventRow;
    if (tip.text === auditLine(row)) return { kind: "ok", position, cutTo: tornCut, current };
    return disagreement(row, tip.text, tip.file);
  }
  if (tip.file !== CURRENT)
    return { kind: "damaged", reason: `${tip.file} holds #${tipSeq}, beyond the mirror's #${position}` };
  return judgeTail(tx, dir, position, expected, committed, current);
}

/**
 * Reads the current file whole (only when it goes past the recorded position, or its size is not
 * the one recorded): every line up to the recorded position must be the log's line for its seq;
 * lines of committed events a process wrote without recording them are adopted; a valid
 * continuation beyond the log (a write that never committed) is cut; anything else is damage.
 */
function judgeTail(
  tx: Tx,
  dir: string,
  position: number,
  expected: EventRow | undefined,
  committed: number,
  current: FileEnds,
): Verdict {
  const path = join(dir, CURRENT);
  const expectedLine = expected ? auditLine(expected) : undefined;
  let found = expectedLine === undefined;
  let at = position;
  let adopted = position;
  let hash = expected?.hash ?? GENESIS_HASH;
  let keep = 0;
  let beyond = false;
  let n = 0;
  for (const line of fileLines(path)) {
    n++;
    if (!found) {
      if (line.text === expectedLine) {
        found = true;
        keep = line.end;
        continue;
      }
      const seq = lineSeq(line.text);
      const row = seq !== undefined && seq < position ? tx.eventRow(seq) : undefined;
      if (!row || !line.complete) return { kind: "damaged", reason: `${CURRENT}:${n} is not an audit line of the log` };
      if (auditLine(row) !== line.text) return disagreement(row, line.text, `${CURRENT}:${n}`);
      continue;
    }
    const seq = lineSeq(line.text);
    if (!line.complete) break; // a torn line: cut with the rest
    if (!beyond && seq === at + 1 && seq <= committed) {
      const row = tx.eventRow(seq) as EventRow;
      if (auditLine(row) !== line.text) return disagreement(row, line.text, CURRENT);
      at = seq;
      adopted = seq;
      hash = row.hash;
      keep = line.end;
      continue;
    }
    const record = rowFromLine(line.text);
    if (!record || record.seq !== at + 1 || record.seq <= committed || record.prev_hash !== hash)
      return {
        kind: "damaged",
        reason: `${CURRENT} holds ${seq === undefined ? "a line that is not an audit line" : `#${seq}`} after #${at}, which the log does not`,
      };
    beyond = true;
    at = record.seq;
    hash = record.hash;
  }
  if (!found) return { kind: "damaged", reason: `${CURRENT} does not hold the line of #${position}` };
  return { kind: "ok", position: adopted, cutTo: keep, current };
}

/** The log's event and a line for the same seq differ: whose copy is sound decides repair or refusal. */
function disagreement(row: EventRow, line: string, file: string): Verdict {
  const logSound = hashEvent(row.prev_hash, row) === row.hash;
  if (!logSound) return { kind: "conflict", reason: `event #${row.seq} in the database does not match its own hash` };
  if (rowFromLine(line)) {
    return {
      kind: "conflict",
      reason: `the database and ${file} disagree about event #${row.seq} (both look intact)`,
    };
  }
  return { kind: "damaged", reason: `the line of #${row.seq} in ${file} differs from the log` };
}

/** Moves every audit file aside and writes the mirror again from the log, after verifying the log's chain. */
function rebuild(
  tx: Tx,
  dir: string,
  committed: number,
  reason: string,
  maxBytes: number,
  journal: Journal,
  warn: (message: string) => void,
): void {
  const chain = verifyChain(eventPages(tx, 0, committed));
  if (chain.problems.length) {
    throw new StorageError({
      path: join(dir, CURRENT),
      reason: `the audit trail is damaged (${reason}) and the event log does not verify (${chain.problems[0]}); nothing written: run \`exarp doctor\``,
    });
  }
  const aside = join(dir, `audit-damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  const moved = auditFiles(dir).filter((path) => fileEnds(path).kind !== "missing");
  if (moved.length) {
    mkdirSync(aside, { recursive: true });
    journal.push(() => rmSync(aside, { recursive: true, force: true }));
    for (const path of moved) {
      const to = join(aside, basename(path));
      renameSync(path, to);
      journal.push(() => renameSync(to, path));
    }
  }
  write(tx, dir, 0, committed, maxBytes, journal);
  warn(
    `the audit trail was damaged (${reason}); it was rebuilt from the event log (hash chain verified)${moved.length ? `, and the damaged files are kept in ${aside}` : ""}`,
  );
}

/**
 * Appends the lines of events `from`+1 … `to`, rotating the current file whenever it is full, and
 * returns the size it leaves the current file at. `known` is the current file as just checked.
 */
function write(
  tx: Tx,
  dir: string,
  from: number,
  to: number,
  maxBytes: number,
  journal: Journal,
  known?: FileEnds,
): number {
  const current = join(dir, CURRENT);
  let ends = known ?? fileEnds(current);
  if (to <= from) return ends.kind === "file" ? ends.size : 0;
  let size = ends.kind === "file" ? ends.size : 0;
  let first = ends.first;
  let last = from;
  const startFile = () => {
    if (ends.kind === "file") {
      const keep = size;
      journal.push(() => truncateSync(current, keep));
    } else {
      journal.push(() => rmSync(current, { force: true }));
    }
  };
  const rotate = () => {
    const to = join(dir, rotatedName(first as number, last));
    renameSync(current, to);
    journal.push(() => renameSync(to, current));
    ends = { kind: "missing", size: 0, first: undefined, last: undefined, torn: 0 };
    size = 0;
    first = undefined;
    startFile();
  };
  startFile();
  if (size >= maxBytes && first !== undefined) rotate();
  let buffer = "";
  const flush = () => {
    if (!buffer) return;
    appendFileSync(current, buffer);
    size += Buffer.byteLength(buffer);
    buffer = "";
    if (size >= maxBytes && first !== undefined && last < to) rotate();
  };
  for (const row of eventPages(tx, from, to)) {
    buffer += `${auditLine(row)}\n`;
    first ??= row.seq;
    last = row.seq;
    if (buffer.length >= BATCH_BYTES || size + buffer.length >= maxBytes) flush();
  }
  flush();
  return size;
}

/**
 * This machine's mirror of a log that several machines share (PostgreSQL, setting `audit.mirror`):
 * the same files and checks, but its position is the files' own tip, verified against the log at
 * each write, never recorded in the shared database (where it would be another machine's). Each
 * write of this machine's first catches up with what the others committed since.
 */
export function createMachineMirror(dir: string, options: AuditMirrorOptions): CommitParticipant {
  const mirror = createAuditMirror(dir, options);
  return (tx, appended) => mirror({ ...tx, auditMark: () => undefined, setAuditMark: () => undefined }, appended);
}
