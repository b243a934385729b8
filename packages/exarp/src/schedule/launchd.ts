// A launchd agent (property list) per job. Pure.
import { join } from "node:path";
import { commandOf, type Job, jobId, projectHash, type ScheduleFile, type ScheduleSpec } from "./jobs.ts";
import { xmlText } from "./quote.ts";
import { stamp } from "./stamp.ts";

const key = (name: string, value: string) => [`  <key>${name}</key>`, `  ${value}`];
const string = (text: string, what: string) => `<string>${xmlText(text, what)}</string>`;

function plist(spec: ScheduleSpec, job: Job, label: string, logDir: string): string {
  const args = commandOf(spec, job).map((a) => `    ${string(a, "a command word")}`);
  const log = join(logDir, `${label}.log`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    ...key("Label", string(label, "the label")),
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...args,
    "  </array>",
    ...key("WorkingDirectory", string(spec.projectDir, "the project folder")),
    ...key("StartInterval", `<integer>${job.everyMinutes * 60}</integer>`),
    ...key("RunAtLoad", "<false/>"),
    ...key("ProcessType", string("Background", "the process type")),
    // launchd keeps no journal: what a job prints goes to a log beside the user's other logs.
    ...key("StandardOutPath", string(log, "the log path")),
    ...key("StandardErrorPath", string(log, "the log path")),
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** The label of a job's agent (also its file name, without `.plist`). */
export const launchdLabel = (spec: ScheduleSpec, job: string) => jobId("macos", projectHash(spec.projectDir), job);

/** One property list per job; `logDir` is where launchd writes what a job prints (~/Library/Logs). */
export function launchdFiles(spec: ScheduleSpec, logDir: string): ScheduleFile[] {
  return spec.jobs.map((job) => {
    const label = launchdLabel(spec, job.name);
    return {
      name: `${label}.plist`,
      job: job.name,
      text: stamp(plist(spec, job, label, logDir), "xml"),
      encoding: "utf8",
    };
  });
}
