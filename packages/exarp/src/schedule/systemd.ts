// A systemd user timer and the service it starts, per job. Pure.
import { cadenceText, commandOf, type Job, jobId, projectHash, type ScheduleFile, type ScheduleSpec } from "./jobs.ts";
import { systemdArg, systemdPath, systemdProgram, systemdText } from "./quote.ts";
import { stamp } from "./stamp.ts";

/**
 * OnCalendar= for a cadence (minutes dividing an hour, hours dividing a day, or a day): calendar
 * times, so Persistent= can run a job missed while the machine was off.
 */
export function onCalendar(minutes: number): string {
  if (minutes < 60) return `*-*-* *:00/${minutes}:00`;
  if (minutes < 24 * 60) return `*-*-* 00/${minutes / 60}:00:00`;
  return "*-*-* 00:00:00";
}

const unitFile = (name: string, job: string, lines: string[]): ScheduleFile => ({
  name,
  job,
  text: stamp(`${lines.join("\n")}\n`, "hash"),
  encoding: "utf8",
});

function service(spec: ScheduleSpec, job: Job, id: string): ScheduleFile {
  const [program, ...args] = commandOf(spec, job) as [string, ...string[]];
  const dir = systemdPath(spec.projectDir);
  return unitFile(`${id}.service`, job.name, [
    "[Unit]",
    `Description=${systemdText(`exarp ${job.args.join(" ")} for ${spec.projectDir}`)}`,
    "",
    "[Service]",
    "Type=oneshot",
    // The project is named on the command line (-C) too, so a folder WorkingDirectory= cannot hold still works.
    ...(dir ? [`WorkingDirectory=${dir}`] : []),
    `ExecStart=${[systemdProgram(program), ...args.map(systemdArg)].join(" ")}`,
    ...(spec.keepEnv.length ? [`PassEnvironment=${spec.keepEnv.join(" ")}`] : []),
  ]);
}

function timer(job: Job, id: string): ScheduleFile {
  return unitFile(`${id}.timer`, job.name, [
    "[Unit]",
    `Description=Run ${id}.service every ${cadenceText(job.everyMinutes)}`,
    "",
    "[Timer]",
    `OnCalendar=${onCalendar(job.everyMinutes)}`,
    "Persistent=true",
    `Unit=${id}.service`,
    "",
    "[Install]",
    "WantedBy=timers.target",
  ]);
}

/** The .service and .timer files of every job. */
export function systemdFiles(spec: ScheduleSpec): ScheduleFile[] {
  const hash = projectHash(spec.projectDir);
  return spec.jobs.flatMap((job) => {
    const id = jobId("linux", hash, job.name);
    return [service(spec, job, id), timer(job, id)];
  });
}
