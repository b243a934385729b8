// Deciding what install and remove do to each schedule file, from what is in the folder now and
// what the schedule wants there. Pure: the caller reads the folder and applies the plan.
import type { ScheduleFile } from "./jobs.ts";
import { ownership } from "./stamp.ts";

/** What a file of this project's holds now: its text, or why exarp will not touch it (a link, a folder). */
export type Current = { text: string } | { unusable: string };

export type FileAction = "create" | "update" | "unchanged" | "overwrite" | "remove";

export type FileStep = { name: string; job: string; action: FileAction };

export type FilePlan = {
  steps: FileStep[];
  writes: ScheduleFile[];
  deletes: string[];
  /** Files a person changed or wrote, which exarp leaves alone unless forced. */
  conflicts: string[];
  /** Files exarp cannot use at all (a symbolic link, a folder), forced or not. */
  invalid: string[];
};

/** The job a file name belongs to: `exarp-<hash>-<job>.<ext>` → `<job>`. */
const jobOf = (name: string, prefix: string) => name.slice(prefix.length).replace(/\.[a-z]+$/, "");

/**
 * Install (`wanted` the schedule's files) or remove (`wanted` empty): creates what is missing,
 * rewrites exarp's own unedited files that differ, and deletes this project's files no job wants.
 */
export function planFiles(
  wanted: readonly ScheduleFile[],
  current: ReadonlyMap<string, Current>,
  prefix: string,
  force: boolean,
): FilePlan {
  const plan: FilePlan = { steps: [], writes: [], deletes: [], conflicts: [], invalid: [] };
  const names = new Set(wanted.map((f) => f.name));
  for (const file of wanted) {
    const now = current.get(file.name);
    if (now && "unusable" in now) {
      plan.invalid.push(`${file.name} ${now.unusable}`);
      continue;
    }
    if (!now) {
      plan.steps.push({ name: file.name, job: file.job, action: "create" });
      plan.writes.push(file);
      continue;
    }
    if (now.text === file.text) {
      plan.steps.push({ name: file.name, job: file.job, action: "unchanged" });
      continue;
    }
    const owner = ownership(now.text);
    if (owner !== "ours" && !force) {
      plan.conflicts.push(
        `${file.name} (${owner === "edited" ? "changed since exarp wrote it" : "not written by exarp"})`,
      );
      continue;
    }
    plan.steps.push({ name: file.name, job: file.job, action: owner === "ours" ? "update" : "overwrite" });
    plan.writes.push(file);
  }
  for (const [name, now] of current) {
    if (names.has(name)) continue;
    if ("unusable" in now) {
      plan.invalid.push(`${name} ${now.unusable}`);
      continue;
    }
    const owner = ownership(now.text);
    if (owner !== "ours" && !force) {
      plan.conflicts.push(`${name} (${owner === "edited" ? "changed since exarp wrote it" : "not written by exarp"})`);
      continue;
    }
    plan.steps.push({ name, job: jobOf(name, prefix), action: "remove" });
    plan.deletes.push(name);
  }
  return plan;
}
