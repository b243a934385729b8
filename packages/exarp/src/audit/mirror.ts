import { appendFileSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Store } from "../store/store.ts";
import { CURRENT, inspectFile, rotate, rotatedFiles } from "./files.ts";
import { auditLine } from "./line.ts";

export const DEFAULT_AUDIT_MAX_BYTES = 16 * 1024 * 1024;
const BATCH_BYTES = 256 * 1024;

export type AuditMirror = {
  readonly dir: string;
  /** Appends every committed event the files lack; returns how many lines it wrote. */
  sync(): number;
};

/**
 * `.exarp/audit.jsonl`: an append-only mirror of the event log, one line per event, rotated by size.
 * It is derived, so a crash between commit and mirror loses nothing: the next sync (at open, or
 * after any commit by any process) appends what is missing. Syncs run under the database write
 * lock, so concurrent processes never duplicate or reorder lines.
 */
export function createAuditMirror(store: Store, dir: string, maxBytes = DEFAULT_AUDIT_MAX_BYTES): AuditMirror {
  const current = join(dir, CURRENT);
  // What this process last wrote or read. Valid while the file keeps the same identity and size:
  // any other writer (or a rotation) changes one of them, and then the tail is read again.
  let known: { fileId: string; first: number | undefined; last: number; size: number } | undefined;

  const fileId = (): string => {
    try {
      const st = statSync(current);
      return `${st.ino}:${st.size}`;
    } catch {
      return "none";
    }
  };
  const state = () => {
    const id = fileId();
    if (known?.fileId === id) return known;
    const file = inspectFile(current);
    const last = file.last ?? rotatedFiles(dir).at(-1)?.last ?? 0;
    known = { fileId: fileId(), size: file.size, first: file.first, last };
    return known;
  };

  const write = (): number => {
    const { first: firstSeq, last: lastSeq, size: startSize } = state();
    let written = 0;
    let buffer = "";
    let first = firstSeq;
    let last = lastSeq;
    let size = startSize;
    const flush = () => {
      if (!buffer) return;
      appendFileSync(current, buffer);
      size += Buffer.byteLength(buffer);
      buffer = "";
      if (size >= maxBytes && first !== undefined) {
        rotate(dir, first, last);
        size = 0;
        first = undefined;
      }
    };
    for (const row of store.iterateEvents(lastSeq)) {
      buffer += `${auditLine(row)}\n`;
      first ??= row.seq;
      last = row.seq;
      written++;
      if (buffer.length >= BATCH_BYTES) flush();
    }
    flush();
    known = { fileId: fileId(), size, first, last };
    return written;
  };

  mkdirSync(dir, { recursive: true });
  return {
    dir,
    sync() {
      if (known?.fileId === fileId() && known.last >= store.maxSeq()) return 0;
      return store.withWriteLock(write);
    },
  };
}
