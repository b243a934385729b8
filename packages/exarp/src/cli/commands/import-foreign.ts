import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { ForeignImportResult, SourceFile } from "../../import/index.ts";
import { FOREIGN_SYSTEMS, type ForeignSystem } from "../../task/task.ts";
import { inline } from "../../text/safe.ts";
import { type CliContext, type CliResult, UsageError } from "../command.ts";

/** Where each tool keeps its tasks, tried in order when PATH is a folder (a project root). */
const DEFAULT_FILES: Record<Exclude<ForeignSystem, "backlog">, string[]> = {
  taskmaster: [".taskmaster/tasks/tasks.json", "tasks/tasks.json", "tasks.json"],
  beads: [".beads/issues.jsonl", ".beads/beads.jsonl", "issues.jsonl"],
  "exarp-go": [".todo2/state.todo2.json", "state.todo2.json"],
};

/** The largest source file read (a file this big is not a task list; a device would never end). */
const MAX_BYTES = 256 * 1024 * 1024;

/** Backlog.md's task folders under backlog/. */
const BACKLOG_FOLDERS = ["tasks", "drafts", "completed", "archive/tasks"];

/** `exarp import --from SYSTEM PATH`: reads the source, plans, imports (or with --dry-run only reports). */
export async function importForeign(ctx: CliContext, from: string): Promise<CliResult> {
  if (!(FOREIGN_SYSTEMS as readonly string[]).includes(from))
    throw new UsageError(`--from takes ${FOREIGN_SYSTEMS.join(", ")}, not ${JSON.stringify(from)}`);
  const system = from as ForeignSystem;
  const files = await readSource(ctx, system, ctx.args[0] as string);
  const { planImport } = await import("../../import/index.ts");
  const plan = planImport(system, files);
  const result = ctx.exarp().transfer.importForeign(plan, {
    strict: ctx.values.strict === true,
    dryRun: ctx.values["dry-run"] === true,
  });
  return {
    data: { import: result },
    text: summary(result),
    exitCode: result.refused.length ? 1 : 0,
  };
}

async function readSource(ctx: CliContext, system: ForeignSystem, path: string): Promise<SourceFile[]> {
  if (path === "-") {
    if (system === "backlog")
      throw new UsageError("--from backlog reads a folder (backlog/ or the project holding it), not stdin");
    return [{ path: "stdin", text: await ctx.readStdin() }];
  }
  const full = resolve(ctx.cwd, path);
  const kind = kindOf(full, path);
  if (system === "backlog") {
    if (kind !== "folder") throw new UsageError(`--from backlog reads a folder, and ${path} is a file`);
    return backlogFiles(full, path);
  }
  if (kind === "file") return [{ path, text: readText(full, path) }];
  const found = DEFAULT_FILES[system].map((f) => join(full, f)).find((f) => kindOf(f, f, true) === "file");
  if (!found)
    throw new UsageError(
      `no ${DEFAULT_FILES[system][0]} in ${path}; give the file itself (${system} keeps its tasks there)`,
    );
  return [{ path: relative(ctx.cwd, found) || found, text: readText(found, found) }];
}

function kindOf(full: string, shown: string, quiet = false): "file" | "folder" | undefined {
  try {
    const s = statSync(full);
    if (s.isDirectory()) return "folder";
    if (!s.isFile()) {
      if (quiet) return undefined;
      throw new UsageError(`${shown} is neither a file nor a folder`);
    }
    if (s.size > MAX_BYTES) throw new UsageError(`${shown} is larger than ${MAX_BYTES / 1024 / 1024} MB`);
    return "file";
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (quiet) return undefined;
    throw new UsageError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The file's text; refused when it cannot be read or is not UTF-8 (its bytes could not be kept verbatim). */
function readText(full: string, shown: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(full);
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${shown} is not UTF-8 text`);
  }
}

/** Every task file of a Backlog.md folder (backlog/ itself, or the project that holds it), in name order. */
function backlogFiles(full: string, shown: string): SourceFile[] {
  // Older Backlog.md releases kept the folder as .backlog/.
  const root = ["backlog", ".backlog"].map((f) => join(full, f)).find((f) => kindOf(f, f, true) === "folder") ?? full;
  const files: SourceFile[] = [];
  for (const folder of BACKLOG_FOLDERS) {
    const dir = join(root, folder);
    if (kindOf(dir, dir, true) !== "folder") continue;
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name);
      if (!name.endsWith(".md") || kindOf(file, file, true) !== "file") continue;
      files.push({ path: `${folder}/${name}`, text: readText(file, join(shown, folder, name)) });
    }
  }
  if (!files.length) throw new UsageError(`no task files in ${shown} (Backlog.md keeps them in backlog/tasks/)`);
  return files;
}

const STATUS_NAMES = (byStatus: ForeignImportResult["byStatus"]) =>
  Object.entries(byStatus)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s.replace("_", " ")} ${n}`)
    .join(", ");

/** What was (or would be) imported, how it was mapped, and what is kept, noted or refused. */
function summary(r: ForeignImportResult): string {
  const head = r.dryRun
    ? `dry run: would import ${r.tasks} tasks, ${r.comments} comments from ${r.system} (${r.events} events); nothing written`
    : `imported ${r.tasks} tasks, ${r.comments} comments from ${r.system} (${r.events} events)`;
  return [
    head,
    `by status: ${STATUS_NAMES(r.byStatus) || "none"}`,
    "mapped:",
    ...r.mappings.map((m) => `  ${inline(m.field)} ${inline(m.from, 60)} → ${m.to} (${m.count})`),
    ...r.graphProblems.map((p) => `kept, never ready until fixed: ${inline(p)}`),
    ...r.notes.map((n) => `note: ${inline(n)}`),
    ...r.refused.map((p) => `refused: ${inline(p)}`),
  ].join("\n");
}
