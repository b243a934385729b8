// crontab lines, each under a marker naming its project and job, and the edits that put them into a
// user's crontab or take them out again, leaving every other line as it was. Pure.
import { commandOf, type Job, projectHash, type ScheduleSpec } from "./jobs.ts";
import { cronWord } from "./quote.ts";
import { cronEntryIsOurs, cronMarker, readCronMarker } from "./stamp.ts";

/** The five time fields for a cadence (minutes dividing an hour, hours dividing a day, a day). */
export function cronTimes(minutes: number): string {
  if (minutes < 60) return minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`;
  if (minutes < 24 * 60) return minutes === 60 ? "0 * * * *" : `0 */${minutes / 60} * * *`;
  return "0 0 * * *";
}

/** A job's crontab entry: its marker line, then the command (stdout dropped; cron mails what fails). */
export type CronEntry = { job: string; marker: string; line: string };

/** The entries of every job. */
export function cronEntries(spec: ScheduleSpec): CronEntry[] {
  const hash = projectHash(spec.projectDir);
  return spec.jobs.map((job: Job) => {
    const line = `${cronTimes(job.everyMinutes)} ${commandOf(spec, job).map(cronWord).join(" ")} >/dev/null`;
    return { job: job.name, marker: cronMarker(hash, job.name, line), line };
  });
}

/** What a crontab edit does to one job's entry. */
export type CronStep = { job: string; action: "create" | "update" | "unchanged" | "overwrite" | "remove" };

export type CronEdit = { text: string; steps: CronStep[]; conflicts: string[] };

type Found = { job: string; at: number; length: number; ours: boolean; line: string | undefined };

/** This project's entries in a crontab: each marker with the line after it (when it is not another marker). */
function findEntries(lines: readonly string[], hash: string): Found[] {
  const found: Found[] = [];
  lines.forEach((text, at) => {
    const marker = readCronMarker(text);
    if (!marker || marker.hash !== hash) return;
    const next = lines[at + 1];
    const hasLine = next !== undefined && !readCronMarker(next) && next.trim() !== "";
    const line = hasLine ? next : undefined;
    found.push({
      job: marker.job,
      at,
      length: hasLine ? 2 : 1,
      ours: line === undefined || cronEntryIsOurs(marker.digest, line),
      line,
    });
  });
  return found;
}

const linesOf = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
const textOf = (lines: readonly string[]) => (lines.length ? `${lines.join("\n")}\n` : "");

/**
 * Puts `entries` into `crontab` in place of this project's old ones (an edited one is a conflict
 * unless `force`); `entries` empty takes them all out.
 */
export function editCrontab(
  crontab: string,
  spec: Pick<ScheduleSpec, "projectDir">,
  entries: readonly CronEntry[],
  force: boolean,
): CronEdit {
  const lines = linesOf(crontab);
  const found = findEntries(lines, projectHash(spec.projectDir));
  const steps: CronStep[] = [];
  const conflicts = found
    .filter((f) => !f.ours && !force && entries.find((e) => e.job === f.job)?.line !== f.line)
    .map((f) => `crontab entry of ${f.job} (changed since exarp wrote it)`);
  if (conflicts.length) return { text: crontab, steps, conflicts };
  const kept = new Map(entries.map((e) => [e.job, e]));
  const drop = new Set<number>();
  const replaced: Map<number, string[]> = new Map();
  for (const f of found) {
    for (let i = f.at; i < f.at + f.length; i++) drop.add(i);
    const entry = kept.get(f.job);
    if (!entry) {
      steps.push({ job: f.job, action: "remove" });
      continue;
    }
    kept.delete(f.job);
    const same = f.line === entry.line && lines[f.at] === entry.marker;
    steps.push({ job: f.job, action: same ? "unchanged" : f.ours ? "update" : "overwrite" });
    replaced.set(f.at, [entry.marker, entry.line]);
  }
  const out = lines.flatMap((line, i) => replaced.get(i) ?? (drop.has(i) ? [] : [line]));
  for (const entry of kept.values()) {
    steps.push({ job: entry.job, action: "create" });
    out.push(entry.marker, entry.line);
  }
  return { text: textOf(out), steps, conflicts };
}
