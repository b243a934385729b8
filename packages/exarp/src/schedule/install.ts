// install, remove and show: the pure builders and plans applied to a user's scheduler folder or
// crontab, with the scheduler's own commands run afterwards, best effort and reported either way.
import { join } from "node:path";
import { Refused } from "../errors-catalog.ts";
import { type Activation, activation, type Command } from "./activation.ts";
import { type Build, buildSchedule, EXTENSIONS } from "./build.ts";
import { type CronStep, editCrontab } from "./cron.ts";
import type { ScheduleSpec } from "./jobs.ts";
import { type FilePlan, type FileStep, planFiles } from "./plan.ts";
import { ownership } from "./stamp.ts";
import {
  deleteFile,
  logDir,
  readCrontab,
  readFolder,
  runCommand,
  scheduleDir,
  writeCrontab,
  writeFile,
} from "./system.ts";
import { windowsTaskName } from "./windows.ts";

/** How the scheduler's commands went: all ran, one failed (named), to be run by hand, or not run. */
export type ActivationReport = {
  status: "activated" | "failed" | "manual" | "dry-run" | "none";
  commands: string[][];
  /** Why activation could not be done (the first command that failed, and what it said). */
  reason?: string;
};

export type ScheduleReport = {
  platform: ScheduleSpec["platform"];
  project: string;
  /** The folder the definitions are in (absent for cron). */
  dir?: string;
  dryRun: boolean;
  files: (FileStep & { path: string })[];
  crontab: CronStep[];
  activation: ActivationReport;
  notes: string[];
  /** What install writes (dry runs and show). */
  contents?: { path: string; text: string }[];
};

export type ScheduleOptions = { env: NodeJS.ProcessEnv; force: boolean; dryRun: boolean; uid: number };

const pathsOf = (dir: string | undefined, steps: FileStep[]) =>
  steps.map((s) => ({ ...s, path: dir ? join(dir, s.name) : s.name }));

function refuseConflicts(plan: Pick<FilePlan, "conflicts" | "invalid">, verb: string): void {
  if (plan.invalid.length) throw new Refused({ reason: `cannot ${verb}: ${plan.invalid.join("; ")}` });
  if (plan.conflicts.length)
    throw new Refused({
      reason: `not touching what someone changed: ${plan.conflicts.join("; ")}; --force replaces it (--dry-run shows what exarp would write)`,
    });
}

function runActivation(steps: Activation, phase: "before" | "after", env: NodeJS.ProcessEnv): string | undefined {
  for (const command of steps[phase]) {
    const failed = runCommand(command, env);
    if (failed && !command.mayFail) return failed;
  }
  return undefined;
}

const allCommands = (a: Activation): Command[] => [...a.before, ...a.after, ...a.manual];

type Planned = {
  build: Build;
  dir?: string;
  plan: FilePlan;
  crontab?: { text: string; steps: CronStep[] };
  activation: Activation;
  notes: string[];
};

/** What install (or, with `remove`, remove) would do, read from the folder or crontab; changes nothing. */
function planSchedule(spec: ScheduleSpec, options: ScheduleOptions, remove: boolean, tolerant: boolean): Planned {
  const build = buildSchedule(spec, logDir(options.env));
  const dir = scheduleDir(spec.platform, options.env);
  const notes = [...build.notes];
  const current = dir ? readFolder(dir, build.prefix, EXTENSIONS[spec.platform]) : new Map();
  const plan = planFiles(remove ? [] : build.files, current, build.prefix, options.force);
  let crontab: Planned["crontab"];
  if (spec.platform === "cron") {
    let text = "";
    try {
      text = readCrontab(options.env);
    } catch (error) {
      if (!tolerant) throw error;
      notes.push(`the crontab cannot be read (${(error as Error).message}): shown as if empty`);
    }
    const edit = editCrontab(text, spec, remove ? [] : build.cron, options.force);
    plan.conflicts.push(...edit.conflicts);
    crontab = { text: edit.text, steps: edit.steps };
  }
  const kept = remove ? [] : build.files.map((f) => f.name);
  const steps = activation(
    spec.platform,
    dir ?? "",
    { kept, deleted: plan.deletes },
    {
      keepEnv: spec.keepEnv,
      uid: options.uid,
      taskName: (name) => windowsTaskName(spec, name.slice(build.prefix.length, -".xml".length)),
    },
  );
  return { build, dir, plan, crontab, activation: steps, notes };
}

function apply(planned: Planned, options: ScheduleOptions): ActivationReport {
  const { dir, plan, crontab, activation: steps } = planned;
  const commands = allCommands(steps).map((c) => c.argv);
  if (crontab) {
    if (crontab.steps.some((s) => s.action !== "unchanged")) writeCrontab(crontab.text, options.env);
    return { status: "none", commands };
  }
  if (!dir) return { status: "none", commands };
  // Stopping what goes may fail only because it was never started: that is not worth reporting.
  runActivation(steps, "before", options.env);
  for (const file of plan.writes) writeFile(dir, file);
  for (const name of plan.deletes) deleteFile(dir, name);
  if (steps.manual.length) return { status: "manual", commands };
  if (!steps.after.length) return { status: "none", commands };
  const failed = runActivation(steps, "after", options.env);
  return failed ? { status: "failed", commands, reason: failed } : { status: "activated", commands };
}

function report(
  spec: ScheduleSpec,
  planned: Planned,
  options: ScheduleOptions,
  activation: ActivationReport,
  withContents: boolean,
): ScheduleReport {
  const { dir, build, plan, crontab } = planned;
  return {
    platform: spec.platform,
    project: spec.projectDir,
    ...(dir ? { dir } : {}),
    dryRun: options.dryRun,
    files: pathsOf(dir, plan.steps),
    crontab: crontab?.steps ?? [],
    activation,
    notes: planned.notes,
    ...(withContents
      ? {
          contents: [
            ...build.files.map((f) => ({ path: dir ? join(dir, f.name) : f.name, text: f.text })),
            ...(build.cron.length
              ? [{ path: "crontab", text: build.cron.flatMap((e) => [e.marker, e.line, ""]).join("\n") }]
              : []),
          ],
        }
      : {}),
  };
}

/** `schedule install`: writes the schedule (idempotent; an edited file is refused unless forced), then activates it. */
export function installSchedule(spec: ScheduleSpec, options: ScheduleOptions): ScheduleReport {
  const planned = planSchedule(spec, options, false, options.dryRun);
  refuseConflicts(planned.plan, "install the schedule");
  if (options.dryRun) {
    const commands = allCommands(planned.activation).map((c) => c.argv);
    return report(spec, planned, options, { status: "dry-run", commands }, true);
  }
  return report(spec, planned, options, apply(planned, options), false);
}

/** `schedule remove`: takes out exactly this project's files (or crontab entries) that exarp wrote, stopping them first. */
export function removeSchedule(spec: ScheduleSpec, options: ScheduleOptions): ScheduleReport {
  const planned = planSchedule(spec, options, true, options.dryRun);
  refuseConflicts(planned.plan, "remove the schedule");
  if (options.dryRun) {
    const commands = allCommands(planned.activation).map((c) => c.argv);
    return report(spec, planned, options, { status: "dry-run", commands }, false);
  }
  return report(spec, planned, options, apply(planned, options), false);
}

/** What is installed for this project now (whose each file is), and what install would do and write. */
export type ScheduleShow = ScheduleReport & { installed: { path: string; state: string }[] };

/** `schedule show`: reads only. */
export function showSchedule(spec: ScheduleSpec, options: ScheduleOptions): ScheduleShow {
  const planned = planSchedule(spec, { ...options, dryRun: true }, false, true);
  const { dir, build } = planned;
  const installed = dir
    ? [...readFolder(dir, build.prefix, EXTENSIONS[spec.platform])].map(([name, now]) => ({
        path: join(dir, name),
        state: "unusable" in now ? now.unusable : ownership(now.text),
      }))
    : (planned.crontab?.steps ?? [])
        .filter((s) => s.action !== "create")
        .map((s) => ({ path: `crontab (${s.job})`, state: s.action === "overwrite" ? "edited" : "ours" }));
  const commands = allCommands(planned.activation).map((c) => c.argv);
  const refused = [...planned.plan.invalid, ...planned.plan.conflicts];
  if (refused.length)
    planned.notes.push(`install would refuse (--force replaces what was changed): ${refused.join("; ")}`);
  return { ...report(spec, planned, { ...options, dryRun: true }, { status: "dry-run", commands }, true), installed };
}
