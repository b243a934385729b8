import type { Priority, Status } from "../task/task.ts";
import { createBadRecords } from "./bad-records.ts";
import { cleanLine, cleanTags, cleanTitle, parseTime, sections } from "./clean.ts";
import { type FrontValue, readFrontMatter } from "./front-matter.ts";
import { createMappingLog, type MappingLog } from "./mapping.ts";
import type { ImportPlan, PlannedTask, SourceFile } from "./plan.ts";

// Backlog.md `backlog/`: one markdown file per task (backlog/tasks/, drafts/, completed/,
// archive/tasks/), YAML front matter (id, title, status, assignee, labels, dependencies,
// parent_task_id, priority, dates) and a body of `## ` sections: Description, Acceptance Criteria,
// Implementation Plan, Implementation Notes (each maybe wrapped in `<!-- …:BEGIN/END -->` markers).

const STATUS: Record<string, Status> = {
  "to do": "todo",
  todo: "todo",
  "in progress": "in_progress",
  review: "review",
  "in review": "review",
  done: "done",
  blocked: "blocked",
  cancelled: "cancelled",
  canceled: "cancelled",
};

const PRIORITY: Record<string, Priority> = { low: "low", medium: "medium", high: "high", critical: "critical" };

/** Sections mapped into the description, in this order; any other section follows under its own heading. */
const KNOWN = ["description", "acceptance criteria", "implementation plan", "implementation notes"];

/** Parses Backlog.md task files into an import plan; a malformed file is refused with the rest, named. */
export function parseBacklog(files: readonly SourceFile[]): ImportPlan {
  const bad = createBadRecords("backlog");
  const log = createMappingLog();
  const notes: string[] = [];
  const tasks: PlannedTask[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const parsed = readFrontMatter(file.text);
    if (typeof parsed === "string") {
      bad.add(file.path, undefined, parsed);
      continue;
    }
    const f = parsed.fields;
    const id = one(f.id);
    if (!id) {
      bad.add(file.path, undefined, "front matter has no id");
      continue;
    }
    if (!one(f.title)) bad.add(file.path, id, "front matter has no title");
    const earlier = seen.get(id.toLowerCase());
    if (earlier) bad.add(file.path, id, `the id is also in ${earlier}`);
    seen.set(id.toLowerCase(), file.path);
    if (bad.count) continue;
    tasks.push(planned(id, f, parsed.body, file, log, notes));
  }
  if (!tasks.length && !bad.count) bad.add("backlog", undefined, "holds no task files");
  bad.check();
  // Backlog.md matches ids without regard to case (task-1, TASK-1): references take the id as filed.
  const byLower = new Map(tasks.map((t) => [t.key.toLowerCase(), t.key]));
  const ref = (id: string) => byLower.get(id.toLowerCase()) ?? id;
  for (const t of tasks) {
    t.parent = t.parent === null ? null : ref(t.parent);
    t.dependsOn = [...new Set(t.dependsOn.map(ref))];
  }
  return { system: "backlog", tasks, mappings: log.list(), notes };
}

const one = (v: FrontValue | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
const many = (v: FrontValue | undefined): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter(Boolean);

function planned(
  id: string,
  f: Record<string, FrontValue>,
  body: string,
  file: SourceFile,
  log: MappingLog,
  notes: string[],
): PlannedTask {
  const folder = /(^|\/)archive\//.test(file.path) ? "archive" : /(^|\/)drafts\//.test(file.path) ? "drafts" : "";
  const rawStatus = one(f.status);
  const status =
    folder === "archive"
      ? log.note("status", `${rawStatus ?? "(none)"} in archive/`, "cancelled")
      : log.note("status", rawStatus, STATUS[(rawStatus ?? "to do").toLowerCase()] ?? "todo");
  const rawPriority = one(f.priority);
  const assignees = many(f.assignee);
  if (assignees.length > 1)
    notes.push(`backlog ${id}: ${assignees.length} assignees; the first is the assignee, all are in the source record`);
  const { known, other } = bodySections(body);
  const createdAt = parseTime(one(f.created_date));
  return {
    key: id,
    title: cleanTitle(one(f.title), `backlog ${id}`),
    description: sections([
      [undefined, known.get("description")],
      ["Acceptance Criteria", known.get("acceptance criteria")],
      ["Implementation Plan", known.get("implementation plan")],
      ["Implementation Notes", known.get("implementation notes")],
      ...other,
    ]),
    status,
    priority: log.note("priority", rawPriority, PRIORITY[(rawPriority ?? "").toLowerCase()] ?? "medium"),
    tags: cleanTags([...many(f.labels), ...(folder === "drafts" ? ["draft"] : [])]),
    estimate: null,
    assignee: cleanLine(assignees[0], 100) ?? null,
    ...(createdAt === undefined ? {} : { createdAt }),
    parent: one(f.parent_task_id) ?? one(f.parent) ?? null,
    dependsOn: many(f.dependencies),
    comments: [],
    links: [],
    source: { system: "backlog", id, record: file.text },
  };
}

/** The body's `## ` sections by lowercased heading, markers removed; text before the first heading is the description. */
function bodySections(body: string): { known: Map<string, string>; other: [string, string][] } {
  const known = new Map<string, string>();
  const other: [string, string][] = [];
  const clean = body.replace(/\r\n?/g, "\n").replace(/^[ \t]*<!--\s*[A-Z_:]+:(BEGIN|END)\s*-->[ \t]*\n?/gm, "");
  const parts = clean.split(/^## +/m);
  const lead = (parts.shift() ?? "").replace(/^# .*\n/, "").trim();
  if (lead) known.set("description", lead);
  for (const part of parts) {
    const nl = part.indexOf("\n");
    const heading = (nl < 0 ? part : part.slice(0, nl)).trim();
    const text = nl < 0 ? "" : part.slice(nl + 1).trim();
    const name = heading.toLowerCase().replace(/\s*\(.*\)$/, "");
    if (KNOWN.includes(name) && !known.has(name)) known.set(name, text);
    else other.push([heading, text]);
  }
  return { known, other };
}
