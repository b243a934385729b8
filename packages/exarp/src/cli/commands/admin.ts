import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DoctorReport } from "../../app/doctor.ts";
import { projectDatabase } from "../../app/project.ts";
import { restoreProject } from "../../app/restore.ts";
import { DiskFull, Refused } from "../../errors-catalog.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, str, UsageError } from "../command.ts";
import { importForeign } from "./import-foreign.ts";

/**
 * Writes beside the file, then renames: a crash leaves the old file or the new one, never half. A
 * path that cannot be written (a folder, a missing folder, no permission) is bad input, said in one
 * line, with no temporary file left behind; a full disk is DiskFull.
 */
function writeFileAtomic(file: string, text: string): void {
  const temp = `${file}.exarp-${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing was written there (its folder is missing or not a folder)
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") throw new DiskFull({ path: file });
    throw new UsageError(`cannot write ${file}: ${code ?? String(error)}`);
  }
}

export const doctor: CliRun = (ctx) => {
  if (ctx.values.restore) {
    const database = projectDatabase(ctx.root(), ctx.env);
    if (database.backend === "postgres")
      throw new Refused({
        reason: `the project's log is in ${database.location}, which keeps it for the team; --restore rebuilds only a lost SQLite database (.exarp/exarp.db) from its audit files`,
      });
    const restored = restoreProject(ctx.root());
    const report = ctx.exarp().doctor();
    const head = [
      `restored ${restored.events} events from the audit trail (the database was: ${restored.reason})`,
      ...restored.movedAside.map((p) => `kept the damaged file as ${p}`),
    ];
    return {
      data: { restored, ...report },
      text: [...head, reportText(report)].join("\n"),
      exitCode: report.ok ? 0 : 1,
    };
  }
  const report = ctx.exarp().doctor();
  return { data: report, text: reportText(report), exitCode: report.ok ? 0 : 1 };
};

function reportText(report: DoctorReport): string {
  return report.checks
    .map((c) =>
      [
        `${c.ok ? "ok  " : "FAIL"}  ${c.name}: ${c.summary}`,
        ...c.problems.map((p) => `      ${inline(p)}`),
        ...(c.notes ?? []).map((n) => `      note: ${inline(n)}`),
      ].join("\n"),
    )
    .join("\n");
}

export const exportCommand: CliRun = (ctx) => {
  const lines: string[] = [];
  const counts = ctx.exarp().transfer.exportTo((line) => lines.push(line));
  const body = `${lines.join("\n")}\n`;
  const out = str(ctx.values, "out");
  if (out) {
    writeFileAtomic(resolve(ctx.cwd, out), body);
    return {
      data: { export: { ...counts, file: out } },
      text: `exported ${counts.tasks} tasks, ${counts.comments} comments, ${counts.events} events to ${out}`,
    };
  }
  return { data: { export: counts }, text: body.trimEnd(), raw: true };
};

export const importCommand: CliRun = async (ctx) => {
  const from = str(ctx.values, "from");
  if (from !== undefined) return importForeign(ctx, from);
  if (ctx.values["dry-run"])
    throw new UsageError("--dry-run goes with --from (an exarp export is checked whole anyway)");
  const file = ctx.args[0] as string;
  let text: string;
  try {
    text = file === "-" ? await ctx.readStdin() : readFileSync(resolve(ctx.cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const result = ctx.exarp().transfer.importText(text, { strict: ctx.values.strict === true });
  const how = result.mode === "log" ? "restored the full history" : "added as new tasks";
  const kept = result.graphProblems.map((p) => `kept, never ready until fixed: ${inline(p)}`);
  return {
    data: { import: result },
    text: [
      `imported ${result.tasks} tasks, ${result.comments} comments (${how}; ${result.events} events)`,
      ...kept,
    ].join("\n"),
  };
};
