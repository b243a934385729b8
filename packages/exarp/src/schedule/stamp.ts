// How exarp knows a schedule file is its own and unedited: a comment line holding the SHA-256 of
// the rest of the file. The file itself carries the proof, so nothing else has to be kept in step.
import { createHash } from "node:crypto";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const STAMP = /^(?:# |<!-- )exarp schedule sha256=([0-9a-f]{64})(?: -->)?$/;

/** Whose a file is: exarp's as written, exarp's but changed since, or not exarp's at all. */
export type Ownership = "ours" | "edited" | "foreign";

/**
 * Adds the stamp: a `#` comment first (systemd), or an XML comment right after the declaration
 * (plist, Task Scheduler), which must stay the first line.
 */
export function stamp(text: string, style: "hash" | "xml"): string {
  const lines = text.split("\n");
  const at = style === "xml" ? 1 : 0;
  const line =
    style === "xml" ? `<!-- exarp schedule sha256=${sha256(text)} -->` : `# exarp schedule sha256=${sha256(text)}`;
  lines.splice(at, 0, line);
  return lines.join("\n");
}

/** Whose the file with this text is. */
export function ownership(text: string): Ownership {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => STAMP.test(l));
  if (at < 0 || at > 1) return "foreign";
  const digest = STAMP.exec(lines[at] as string)?.[1];
  lines.splice(at, 1);
  return sha256(lines.join("\n")) === digest ? "ours" : "edited";
}

/** The crontab marker of a job: `# exarp:<project-hash>:<job> sha256=<digest of the entry>`. */
export const cronMarker = (hash: string, job: string, entry: string) =>
  `# exarp:${hash}:${job} sha256=${sha256(entry)}`;

const MARKER = /^# exarp:([0-9a-f]{10}):([a-z-]+) sha256=([0-9a-f]{64})$/;

/** A crontab marker line read back: its project, job and the digest of the entry it was written with. */
export function readCronMarker(line: string): { hash: string; job: string; digest: string } | undefined {
  const m = MARKER.exec(line.trim());
  return m ? { hash: m[1] as string, job: m[2] as string, digest: m[3] as string } : undefined;
}

/** True when `entry` is what its marker's digest says exarp wrote. */
export const cronEntryIsOurs = (digest: string, entry: string) => sha256(entry) === digest;
