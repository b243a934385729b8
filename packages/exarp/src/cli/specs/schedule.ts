import type { CliCommand } from "../command.ts";

export const schedule: CliCommand = {
  name: "schedule",
  summary:
    "Run sweep and doctor on a cadence with the OS's own scheduler (systemd user timer, launchd, Task Scheduler, else cron): install, show, remove",
  usage: "install|show|remove",
  arity: [1, 1],
  options: {
    platform: {
      type: "string",
      value: "NAME",
      help: "linux (systemd user timer), macos (launchd), windows (Task Scheduler) or cron; default: this machine's",
    },
    "dry-run": { type: "boolean", help: "print the files and commands, change nothing" },
    force: { type: "boolean", help: "replace or remove schedule files someone changed since exarp wrote them" },
    "sprint-report": { type: "boolean", help: "install: also run `exarp sprint report` daily" },
    every: {
      type: "string",
      multiple: true,
      value: "JOB=CADENCE",
      help: "install: how often a job runs (sweep=10m, doctor=12h; minutes dividing an hour, hours dividing a day, or 1d); defaults sweep=5m, doctor=1d",
    },
    "keep-env": {
      type: "string",
      multiple: true,
      value: "NAME",
      help: "a variable the jobs need (by name only; its value is never written): EXARP_DATABASE_URL and the project's database.passwordEnv are kept when set",
    },
  },
  examples: [
    "exarp schedule install --dry-run     # the unit files and the systemctl commands, nothing written",
    "exarp schedule install               # sweep every 5 minutes, doctor daily",
    "exarp schedule install --every sweep=1m --sprint-report",
    "exarp schedule install --platform cron",
    "exarp schedule show",
    "exarp schedule remove",
  ],
  // It writes only outside the project (the scheduler's files): show and dry runs read.
  readOnly: (values, args) => args[0] === "show" || values["dry-run"] === true,
  load: async () => (await import("../commands/schedule.ts")).schedule,
};
