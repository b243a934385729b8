// What a schedule runs and how often, and the names its files take. Pure.
import { createHash } from "node:crypto";
import { InvalidInput } from "../errors-catalog.ts";

export const PLATFORMS = ["linux", "macos", "windows", "cron"] as const;

/** Where a schedule lives: a systemd user timer, a launchd agent, a Windows task, or a crontab line. */
export type Platform = (typeof PLATFORMS)[number];

/** One scheduled command: `exarp <args>` every `everyMinutes`. */
export type Job = { name: string; args: string[]; everyMinutes: number };

const DAY = 24 * 60;

/** The jobs a schedule has unless told otherwise; `sprint-report` only when asked for. */
export const JOBS = {
  sweep: { name: "sweep", args: ["sweep", "--as", "agent:schedule"], everyMinutes: 5 },
  doctor: { name: "doctor", args: ["doctor"], everyMinutes: DAY },
  "sprint-report": { name: "sprint-report", args: ["sprint", "report"], everyMinutes: DAY },
} as const satisfies Record<string, Job>;

export type JobName = keyof typeof JOBS;

const isJobName = (name: string): name is JobName => Object.hasOwn(JOBS, name);

/**
 * A cadence every scheduler can express exactly: minutes dividing an hour (`5m`), hours dividing a
 * day (`6h`), or `1d`. Returns minutes.
 */
export function parseCadence(text: string): number {
  const match = /^(\d{1,4})([mhd])$/.exec(text.trim());
  const n = match ? Number(match[1]) : Number.NaN;
  const unit = match?.[2];
  if (unit === "m" && n >= 1 && n < 60 && 60 % n === 0) return n;
  if (unit === "h" && n >= 1 && n < 24 && 24 % n === 0) return n * 60;
  if ((unit === "h" && n === 24) || (unit === "d" && n === 1) || (unit === "m" && n === DAY)) return DAY;
  if (unit === "m" && n === 60) return 60;
  throw new InvalidInput({
    issues: [
      `cadence ${JSON.stringify(text)} is not one every scheduler keeps exactly: use minutes dividing an hour (1m, 5m, 15m, 30m), hours dividing a day (1h, 2h, 6h, 12h) or 1d`,
    ],
  });
}

/** How a cadence reads: `5m`, `6h`, `1d`. */
export const cadenceText = (minutes: number) =>
  minutes === DAY ? "1d" : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;

/**
 * The jobs asked for: sweep and doctor, plus the sprint report when `sprintReport`; `every` holds
 * `JOB=CADENCE` overrides.
 */
export function chooseJobs(options: { sprintReport: boolean; every: readonly string[] }): Job[] {
  const chosen: Job[] = [JOBS.sweep, JOBS.doctor, ...(options.sprintReport ? [JOBS["sprint-report"]] : [])].map(
    (j) => ({ ...j, args: [...j.args] }),
  );
  for (const item of options.every) {
    const [name = "", cadence, ...rest] = item.split("=");
    if (cadence === undefined || rest.length)
      throw new InvalidInput({ issues: [`--every takes JOB=CADENCE (sweep=10m), not ${JSON.stringify(item)}`] });
    const job = chosen.find((j) => j.name === name);
    if (!job) {
      const hint = isJobName(name) ? " (add --sprint-report to schedule it)" : "";
      throw new InvalidInput({
        issues: [
          `--every names ${JSON.stringify(name)}, not a scheduled job: ${chosen.map((j) => j.name).join(", ")}${hint}`,
        ],
      });
    }
    job.everyMinutes = parseCadence(cadence);
  }
  return chosen;
}

/** Ten hex digits naming the project by its absolute folder: several projects schedule side by side. */
export const projectHash = (projectDir: string) => createHash("sha256").update(projectDir).digest("hex").slice(0, 10);

/** The start of every name the schedule of a project gives its files (and so what `remove` looks for). */
export function namePrefix(platform: Platform, hash: string): string {
  return platform === "macos" ? `exarp.${hash}.` : `exarp-${hash}-`;
}

/** A job's unit / label / task name, without extension. */
export const jobId = (platform: Platform, hash: string, job: string) => `${namePrefix(platform, hash)}${job}`;

/** Everything a schedule is built from: absolute paths only, and the names (never the values) of variables to pass on. */
export type ScheduleSpec = {
  platform: Platform;
  projectDir: string;
  /** The Node executable (`process.execPath`). */
  node: string;
  /** exarp's CLI script (`dist/bin/exarp.js`). */
  exarp: string;
  jobs: readonly Job[];
  keepEnv: readonly string[];
};

/** A file a schedule consists of, named as it is in its folder. */
export type ScheduleFile = { name: string; job: string; text: string; encoding: "utf8" | "utf16le" };

/** The command line every job runs, program first: `node exarp.js -C <project> <args>`. */
export const commandOf = (spec: ScheduleSpec, job: Job) => [spec.node, spec.exarp, "-C", spec.projectDir, ...job.args];
