// A Windows Task Scheduler definition (task XML, registered with `schtasks /Create /XML`) per job. Pure.
import { commandOf, type Job, jobId, projectHash, type ScheduleFile, type ScheduleSpec } from "./jobs.ts";
import { checkWindows, windowsArg, xmlText } from "./quote.ts";
import { stamp } from "./stamp.ts";

/** A fixed start in the past: the task repeats from it, and the same input always builds the same file. */
const START = "2000-01-01T00:00:00";

/** An ISO 8601 duration Task Scheduler takes for a repetition: PT5M, PT6H, P1D. */
export function repetitionInterval(minutes: number): string {
  if (minutes < 60) return `PT${minutes}M`;
  if (minutes < 24 * 60) return `PT${minutes / 60}H`;
  return "P1D";
}

/** The task's name as schtasks takes it: in an `exarp` folder of the Task Scheduler library. */
export const windowsTaskName = (spec: ScheduleSpec, job: string) =>
  `exarp\\${jobId("windows", projectHash(spec.projectDir), job)}`;

function taskXml(spec: ScheduleSpec, job: Job): string {
  const [program, ...args] = commandOf(spec, job) as [string, ...string[]];
  checkWindows("the program path", program);
  checkWindows("the project folder", spec.projectDir);
  const x = (text: string) => xmlText(text);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    `    <Description>${x(`exarp ${job.args.join(" ")} for ${spec.projectDir}`)}</Description>`,
    `    <URI>\\${x(windowsTaskName(spec, job.name))}</URI>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <TimeTrigger>",
    "      <Repetition>",
    `        <Interval>${repetitionInterval(job.everyMinutes)}</Interval>`,
    "        <StopAtDurationEnd>false</StopAtDurationEnd>",
    "      </Repetition>",
    `      <StartBoundary>${START}</StartBoundary>`,
    "      <Enabled>true</Enabled>",
    "    </TimeTrigger>",
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    "      <LogonType>InteractiveToken</LogonType>",
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>",
    "    <Enabled>true</Enabled>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${x(program)}</Command>`,
    `      <Arguments>${x(args.map(windowsArg).join(" "))}</Arguments>`,
    `      <WorkingDirectory>${x(spec.projectDir)}</WorkingDirectory>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\n");
}

/** One task definition per job, written as UTF-16 (what schtasks reads without complaint). */
export function windowsFiles(spec: ScheduleSpec): ScheduleFile[] {
  const hash = projectHash(spec.projectDir);
  return spec.jobs.map((job) => ({
    name: `${jobId("windows", hash, job.name)}.xml`,
    job: job.name,
    text: stamp(taskXml(spec, job), "xml"),
    encoding: "utf16le",
  }));
}
