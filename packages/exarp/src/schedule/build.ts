// Every file (or crontab entry) a schedule consists of, for one platform. Pure.
import { isAbsolute, posix, win32 } from "node:path";
import { InvalidInput } from "../errors-catalog.ts";
import { isVariableName } from "../project/settings.ts";
import { type CronEntry, cronEntries } from "./cron.ts";
import { namePrefix, type Platform, projectHash, type ScheduleFile, type ScheduleSpec } from "./jobs.ts";
import { launchdFiles } from "./launchd.ts";
import { systemdFiles } from "./systemd.ts";
import { windowsFiles } from "./windows.ts";

export type Build = {
  platform: Platform;
  hash: string;
  /** The start of the name of each file this project's schedule has (what remove looks for). */
  prefix: string;
  files: ScheduleFile[];
  cron: CronEntry[];
  /** What the user should know: variables a scheduler cannot be handed by name. */
  notes: string[];
};

const absolute = (path: string) => isAbsolute(path) || posix.isAbsolute(path) || win32.isAbsolute(path);

function checkSpec(spec: ScheduleSpec): void {
  const relative = (["projectDir", "node", "exarp"] as const).filter((k) => !absolute(spec[k]));
  if (relative.length)
    throw new InvalidInput({
      issues: relative.map((k) => `${k} must be an absolute path, not ${JSON.stringify(spec[k])}`),
    });
  const bad = spec.keepEnv.filter((name) => !isVariableName(name));
  if (bad.length) throw new InvalidInput({ issues: bad.map((n) => `${JSON.stringify(n)} is not a variable name`) });
}

function envNotes(platform: Platform, names: readonly string[]): string[] {
  if (!names.length) return [];
  const list = names.join(", ");
  if (platform === "linux")
    return [
      `the jobs read ${list} from the systemd user manager (PassEnvironment=): install hands it this shell's values (import-environment, until logout); for good, use ~/.pgpass or ~/.config/environment.d/`,
    ];
  if (platform === "macos")
    return [
      `launchd jobs do not see this shell's variables: ${list} must come from \`launchctl setenv NAME VALUE\` or ~/.pgpass`,
    ];
  if (platform === "windows")
    return [`the tasks see your user variables (\`setx NAME VALUE\`), not this shell's: ${list}`];
  return [`cron runs jobs with almost no environment: ${list} is not passed on; use ~/.pgpass for a database password`];
}

/** The schedule's files for `spec.platform`; `logDir` is where launchd writes what jobs print. */
export function buildSchedule(spec: ScheduleSpec, logDir: string): Build {
  checkSpec(spec);
  const hash = projectHash(spec.projectDir);
  const files =
    spec.platform === "linux"
      ? systemdFiles(spec)
      : spec.platform === "macos"
        ? launchdFiles(spec, logDir)
        : spec.platform === "windows"
          ? windowsFiles(spec)
          : [];
  const cron = spec.platform === "cron" ? cronEntries(spec) : [];
  return {
    platform: spec.platform,
    hash,
    prefix: namePrefix(spec.platform, hash),
    files,
    cron,
    notes: envNotes(spec.platform, spec.keepEnv),
  };
}

/** The file name extensions a platform's schedule uses. */
export const EXTENSIONS: Record<Platform, readonly string[]> = {
  linux: [".service", ".timer"],
  macos: [".plist"],
  windows: [".xml"],
  cron: [],
};
