import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, renameSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { lineSeq } from "./line.ts";

export const CURRENT = "audit.jsonl";
const ROTATED = /^audit\.(\d{12})-(\d{12})\.jsonl$/;

/** Rotated files, oldest first, with the seq range each holds. */
export function rotatedFiles(dir: string): { path: string; first: number; last: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, m: ROTATED.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ path: join(dir, name), first: Number(m[1]), last: Number(m[2]) }))
    .sort((a, b) => a.first - b.first);
}

/** The name a full current file gets when it is rotated away. */
export function rotatedName(first: number, last: number): string {
  return `audit.${String(first).padStart(12, "0")}-${String(last).padStart(12, "0")}.jsonl`;
}

export function rotate(dir: string, first: number, last: number): void {
  renameSync(join(dir, CURRENT), join(dir, rotatedName(first, last)));
}

/**
 * Reads the first and last complete lines' seqs of a file. A torn last line (a crash mid-write)
 * is cut off, so appends resume on a clean line boundary.
 */
export function inspectFile(path: string): { size: number; first: number | undefined; last: number | undefined } {
  if (!existsSync(path)) return { size: 0, first: undefined, last: undefined };
  const fd = openSync(path, "r");
  try {
    let size = fstatSync(fd).size;
    if (size === 0) return { size, first: undefined, last: undefined };
    const end = lastNewline(fd, size);
    if (end + 1 < size) {
      truncateSync(path, end + 1);
      size = end + 1;
    }
    if (size === 0) return { size, first: undefined, last: undefined };
    const start = lastNewline(fd, end) + 1;
    return {
      size,
      first: lineSeq(readRange(fd, 0, Math.min(size, 64))),
      last: lineSeq(readRange(fd, start, Math.min(64, end - start))),
    };
  } finally {
    closeSync(fd);
  }
}

/** Offset of the last "\n" strictly before `before`, or -1. */
function lastNewline(fd: number, before: number): number {
  // Audit lines are short: look at the last 4 KB first, then widen.
  for (let end = before, chunk = 4096; end > 0; end -= chunk, chunk = Math.min(chunk * 4, 1 << 20)) {
    const start = Math.max(0, end - chunk);
    const text = readRange(fd, start, end - start);
    const i = text.lastIndexOf("\n");
    if (i >= 0) return start + i; // latin1: one char per byte
  }
  return -1;
}

function readRange(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n).toString("latin1");
}
