import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DoctorReport } from "../../app/doctor.ts";
import { restoreProject } from "../../app/restore.ts";
import { DiskFull } from "../../errors-catalog.ts";
import { mergeOpencodeConfig, OPENCODE_MCP_ENTRY } from "../../mcp/opencode-config.ts";
import { initRoot, projectPaths } from "../../project/root.ts";
import { inline } from "../../text/safe.ts";
import { type CliRun, str, UsageError } from "../command.ts";

export const init: CliRun = (ctx) => {
  const root = initRoot(ctx.start(), ctx.env);
  // Decided before anything is written: a config we refuse leaves the folder exactly as it was.
  const opencode = ctx.values.opencode ? planOpencode(root) : undefined;
  const paths = projectPaths(root);
  const existed = existsSync(paths.db);
  ctx.initExarp();
  const lines = [`exarp project ${existed ? "already" : "now"} at ${paths.dir}`];
  if (opencode) {
    if ("text" in opencode.merge) writeFileAtomic(opencode.file, opencode.merge.text);
    lines.push(OPENCODE_SAID[opencode.merge.outcome]);
  } else if (canOfferOpencode(join(root, OPENCODE_FILE))) {
    ctx.note("tip: `exarp init --opencode` adds the exarp MCP server to opencode.json");
  }
  const project = { ...paths, created: !existed };
  const data = opencode ? { project, opencode: { file: opencode.file, outcome: opencode.merge.outcome } } : { project };
  return { data, text: lines.join("\n") };
};

const OPENCODE_FILE = "opencode.json";

const OPENCODE_SAID = {
  created: `created ${OPENCODE_FILE} with the exarp MCP server (mcp.exarp)`,
  added: `added the exarp MCP server to ${OPENCODE_FILE} (mcp.exarp)`,
  present: `${OPENCODE_FILE} already has the exarp MCP server`,
  kept: `${OPENCODE_FILE} already has an mcp.exarp entry of its own; left as it is`,
} as const;

/** What `--opencode` will do to root/opencode.json; a usage error (nothing written) when it cannot. */
function planOpencode(root: string) {
  const file = join(root, OPENCODE_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    if (existsSync(join(root, "opencode.jsonc")))
      throw new UsageError(
        `opencode.jsonc exists and exarp does not rewrite JSONC; add "mcp": { "exarp": ${JSON.stringify(OPENCODE_MCP_ENTRY)} } to it yourself`,
      );
  }
  const merge = mergeOpencodeConfig(text);
  if (merge.outcome === "refused")
    throw new UsageError(`${file} not changed: ${merge.reason}; fix it, or add mcp.exarp by hand`);
  return { file, merge };
}

/** True when root has an opencode.json that `--opencode` would add the server to. */
function canOfferOpencode(file: string): boolean {
  try {
    return existsSync(file) && mergeOpencodeConfig(readFileSync(file, "utf8")).outcome === "added";
  } catch {
    return false; // unreadable: nothing to offer
  }
}

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
