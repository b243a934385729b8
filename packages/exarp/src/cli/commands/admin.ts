import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { openProject } from "../../app/exarp.ts";
import { findProjectRoot, projectPaths } from "../../project/root.ts";
import { type CliCommand, str, UsageError } from "../command.ts";

export const init: CliCommand = {
  name: "init",
  summary: "Create .exarp/ (database, audit trail) in this folder or --root",
  usage: "",
  arity: [0, 0],
  run(ctx) {
    const root = resolve(ctx.cwd, str(ctx.values, "root") ?? ".");
    const existing = findProjectRoot(root, {});
    const paths = projectPaths(root);
    const exarp = openProject(root);
    exarp.close();
    const nested =
      existing && existing !== root ? ` (inside the project at ${existing}; this folder is now its own project)` : "";
    return { data: paths, text: `exarp project ready at ${paths.dir}${nested}` };
  },
};

export const doctor: CliCommand = {
  name: "doctor",
  summary: "Verify the database, hash chain, audit mirror, replay and graph; exit 1 on any problem",
  usage: "",
  arity: [0, 0],
  run(ctx) {
    const report = ctx.exarp().doctor();
    const text = report.checks
      .map((c) =>
        [`${c.ok ? "ok  " : "FAIL"}  ${c.name}: ${c.summary}`, ...c.problems.map((p) => `      ${p}`)].join("\n"),
      )
      .join("\n");
    return { data: report, text, exitCode: report.ok ? 0 : 1 };
  },
};

export const exportCommand: CliCommand = {
  name: "export",
  summary: "Write tasks, comments and the full event log as JSONL (stdout or --out)",
  usage: "",
  arity: [0, 0],
  options: { out: { type: "string", short: "o", value: "FILE", help: "write to FILE instead of stdout" } },
  run(ctx) {
    const lines: string[] = [];
    const counts = ctx.exarp().transfer.exportTo((line) => lines.push(line));
    const body = `${lines.join("\n")}\n`;
    const out = str(ctx.values, "out");
    if (out) {
      writeFileSync(resolve(ctx.cwd, out), body);
      return {
        data: { ...counts, file: out },
        text: `exported ${counts.tasks} tasks, ${counts.comments} comments, ${counts.events} events to ${out}`,
      };
    }
    return { data: counts, text: body.trimEnd(), raw: true };
  },
};

export const importCommand: CliCommand = {
  name: "import",
  summary: "Import an export (FILE or - for stdin); refuses malformed input without writing",
  usage: "FILE",
  arity: [1, 1],
  async run(ctx) {
    const file = ctx.args[0] as string;
    let text: string;
    try {
      text = file === "-" ? await ctx.readStdin() : readFileSync(resolve(ctx.cwd, file), "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const result = ctx.exarp().transfer.importText(text);
    const how = result.mode === "log" ? "restored the full history" : "added as new tasks";
    return {
      data: result,
      text: `imported ${result.tasks} tasks, ${result.comments} comments (${how}; ${result.events} events)`,
    };
  },
};
