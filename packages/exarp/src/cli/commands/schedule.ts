import { Refused } from "../../errors-catalog.ts";
import { ownScript } from "../../install/locate.ts";
import { projectPaths } from "../../project/root.ts";
import { loadSettings } from "../../project/settings.ts";
import { installSchedule, removeSchedule, type ScheduleReport, showSchedule } from "../../schedule/install.ts";
import { chooseJobs, PLATFORMS, type Platform, type ScheduleSpec } from "../../schedule/jobs.ts";
import { detectPlatform } from "../../schedule/system.ts";
import { inline } from "../../text/safe.ts";
import { type CliContext, type CliRun, list, str, UsageError } from "../command.ts";

const ACTIONS = ["install", "show", "remove"] as const;

function platformOf(ctx: CliContext): Platform {
  const given = str(ctx.values, "platform");
  if (given === undefined) return detectPlatform(process.platform, ctx.env);
  if (!(PLATFORMS as readonly string[]).includes(given))
    throw new UsageError(`--platform takes ${PLATFORMS.join(", ")}, not ${JSON.stringify(inline(given, 40))}`);
  return given as Platform;
}

/** The variables the jobs need, by name: those asked for, EXARP_DATABASE_URL when set, the project's password variable. */
function keepEnv(ctx: CliContext, root: string): string[] {
  const { settings } = loadSettings(projectPaths(root).dir, ctx.env);
  const names = [
    ...(list(ctx.values, "keep-env") ?? []),
    ...(ctx.env.EXARP_DATABASE_URL ? ["EXARP_DATABASE_URL"] : []),
    ...(settings["database.passwordEnv"] ? [settings["database.passwordEnv"]] : []),
  ];
  return [...new Set(names)];
}

function specOf(ctx: CliContext, action: string): ScheduleSpec {
  const installOnly = ["every", "sprint-report"].filter((o) => ctx.values[o] !== undefined);
  if (action === "remove" && installOnly.length)
    throw new UsageError(
      `schedule remove takes no ${installOnly.map((o) => `--${o}`).join(", ")}: it removes every job exarp scheduled here`,
    );
  const exarp = ownScript();
  if (!exarp)
    throw new Refused({ reason: "exarp's command-line script (dist/bin/exarp.js) was not found: build exarp first" });
  const root = ctx.root();
  return {
    platform: platformOf(ctx),
    projectDir: root,
    node: process.execPath,
    exarp,
    jobs: chooseJobs({ sprintReport: ctx.values["sprint-report"] === true, every: list(ctx.values, "every") ?? [] }),
    keepEnv: keepEnv(ctx, root),
  };
}

const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

const commandLine = (argv: readonly string[]) => argv.map(shellWord).join(" ");

function text(action: string, r: ScheduleReport & { installed?: { path: string; state: string }[] }): string {
  const lines: string[] = [];
  const where = r.dir ?? "the crontab";
  if (r.installed) {
    lines.push(`installed for ${r.project} (${r.platform}):`);
    lines.push(...(r.installed.length ? r.installed.map((f) => `  ${f.path}  ${f.state}`) : ["  nothing"]));
    lines.push("install would:");
  } else lines.push(`${r.dryRun ? "would " : ""}${action} the schedule of ${r.project} (${r.platform}, ${where}):`);
  const steps = [
    ...r.files.map((f) => `  ${f.action.padEnd(9)} ${f.path}`),
    ...r.crontab.map((s) => `  ${s.action.padEnd(9)} crontab entry ${s.job}`),
  ];
  lines.push(...(steps.length ? steps : ["  nothing to do"]));
  for (const c of r.contents ?? []) lines.push("", `--- ${c.path}`, c.text.replace(/\n$/, ""));
  const a = r.activation;
  if (a.commands.length && a.status !== "none") {
    const head = {
      activated: "activated:",
      failed: `${action === "remove" ? "removed, but the scheduler was NOT told" : "written, but NOT activated"} (${a.reason}); run these yourself:`,
      manual: "register it with Task Scheduler yourself (exarp does not run schtasks):",
      "dry-run": "would run:",
    }[a.status];
    lines.push("", head, ...a.commands.map((c) => `  ${commandLine(c)}`));
  }
  lines.push(...r.notes.map((n) => `note: ${n}`));
  if (r.dryRun && !r.installed) lines.push("dry run: nothing changed");
  return lines.join("\n");
}

export const schedule: CliRun = (ctx) => {
  const [action = ""] = ctx.args;
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`schedule takes ${ACTIONS.join(", ")}, not ${JSON.stringify(inline(action, 40))}`);
  const spec = specOf(ctx, action);
  const options = {
    env: ctx.env,
    force: ctx.values.force === true,
    dryRun: ctx.values["dry-run"] === true,
    uid: process.getuid?.() ?? 0,
  };
  const report =
    action === "install"
      ? installSchedule(spec, options)
      : action === "remove"
        ? removeSchedule(spec, options)
        : showSchedule(spec, options);
  if (report.activation.status === "failed")
    ctx.note(
      `exarp: warning: ${action === "remove" ? "the schedule's files are gone but the scheduler was not told" : "the schedule is written but not active"}: ${report.activation.reason}`,
    );
  return { data: { action, ...report }, text: text(action, report) };
};
