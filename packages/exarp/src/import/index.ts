import { InvalidInput } from "../errors-catalog.ts";
import { type ForeignSystem, MAX_SOURCE_RECORD } from "../task/task.ts";
import { parseBacklog } from "./backlog.ts";
import { parseBeads } from "./beads.ts";
import { parseExarpGo } from "./exarp-go.ts";
import type { ImportPlan, SourceFile } from "./plan.ts";
import { parseTaskmaster } from "./taskmaster.ts";

export type { ForeignImportResult } from "./apply.ts";
export type { ImportPlan, Mapping, PlannedTask, SourceFile } from "./plan.ts";

/**
 * The plan for another tool's tasks: Backlog.md takes its task files, the others one file's text.
 * Pure; refuses malformed input whole (InvalidInput naming each bad record), and any record too big
 * to keep verbatim.
 */
export function planImport(system: ForeignSystem, files: readonly SourceFile[]): ImportPlan {
  const text = files[0]?.text ?? "";
  const plan =
    system === "backlog"
      ? parseBacklog(files)
      : system === "beads"
        ? parseBeads(text)
        : system === "taskmaster"
          ? parseTaskmaster(text)
          : parseExarpGo(text);
  const huge = plan.tasks.filter((t) => t.source.record.length > MAX_SOURCE_RECORD);
  if (huge.length)
    throw new InvalidInput({
      issues: [
        `${system}: records longer than ${MAX_SOURCE_RECORD} characters cannot be kept verbatim: ${huge
          .slice(0, 10)
          .map((t) => t.key)
          .join(", ")}`,
      ],
    });
  return plan;
}
