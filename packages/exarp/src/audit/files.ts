import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { lineSeq } from "./line.ts";

export const CURRENT = "audit.jsonl";
const ROTATED = /^audit\.(\d{12})-(\d{12})\.jsonl$/;

export type RotatedFile = { path: string; name: string; first: number; last: number };

/** Rotated files, oldest first, with the seq range their names claim. */
export function rotatedFiles(dir: string): RotatedFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, m: ROTATED.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ path: join(dir, name), name, first: Number(m[1]), last: Number(m[2]) }))
    .sort((a, b) => a.first - b.first);
}

/** The name a full current file gets when it is rotated away. */
export function rotatedName(first: number, last: number): string {
  return `audit.${String(first).padStart(12, "0")}-${String(last).padStart(12, "0")}.jsonl`;
}

/** Every audit file in log order: the rotated ones, then the current one (whether or not it exists). */
export function auditFiles(dir: string): string[] {
  return [...rotatedFiles(dir).map((f) => f.path), join(dir, CURRENT)];
}

/** What the write path needs to know about one audit file, read from its two ends only. */
export type FileEnds = {
  kind: "missing" | "file" | "other";
  size: number;
  /** Seq of the first line (undefined when empty or not an audit line). */
  first: number | undefined;
  /** The last complete line, and where it starts. */
  last: { text: string; start: number } | undefined;
  /** Bytes after the last newline: a line torn by a crash. */
  torn: number;
};

/** Reads the first and last complete lines of a file. */
export function fileEnds(path: string): FileEnds {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return { kind: "missing", size: 0, first: undefined, last: undefined, torn: 0 };
  }
  if (!stat.isFile()) return { kind: "other", size: 0, first: undefined, last: undefined, torn: 0 };
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { kind: "file", size, first: undefined, last: undefined, torn: 0 };
    const end = lastNewline(fd, size);
    const torn = size - (end + 1);
    if (end < 0) return { kind: "file", size, first: undefined, last: undefined, torn };
    const start = lastNewline(fd, end) + 1;
    const text = readRange(fd, start, end - start).toString("utf8");
    return {
      kind: "file",
      size,
      first: lineSeq(readRange(fd, 0, Math.min(size, 64)).toString("latin1")),
      last: { text, start },
      torn,
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
    const i = readRange(fd, start, end - start).lastIndexOf(10);
    if (i >= 0) return start + i;
  }
  return -1;
}

function readRange(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/**
 * Every line of an audit file, read in chunks; `end` is the offset after its newline. A last line
 * without a newline (torn by a crash) comes with `complete: false`.
 */
export function* fileLines(path: string): Generator<{ text: string; end: number; complete: boolean }> {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0;
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      let chunk = Buffer.concat([carry, buf.subarray(0, n)]);
      let nl = chunk.indexOf(10);
      while (nl >= 0) {
        offset += nl + 1;
        yield { text: chunk.subarray(0, nl).toString("utf8"), end: offset, complete: true };
        chunk = chunk.subarray(nl + 1);
        nl = chunk.indexOf(10);
      }
      carry = Buffer.from(chunk);
    }
    if (carry.length) yield { text: carry.toString("utf8"), end: offset + carry.length, complete: false };
  } finally {
    closeSync(fd);
  }
}
