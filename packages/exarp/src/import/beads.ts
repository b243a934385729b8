import type { Priority, Status } from "../task/task.ts";
import { type BadRecords, createBadRecords, isObject, kindOf } from "./bad-records.ts";
import { cleanLine, cleanTags, cleanText, cleanTitle, parseTime, sections } from "./clean.ts";
import { createMappingLog, type MappingLog } from "./mapping.ts";
import type { ImportPlan, PlannedComment, PlannedLink, PlannedTask } from "./plan.ts";

// beads `.beads/issues.jsonl`: one issue per line, its labels, dependencies and comments inside it.
// Only a `blocks` dependency blocks; `parent-child` names the parent; every other type (`related`,
// `discovered-from`, …) is a link, reported and kept in the source record.

const STATUS: Record<string, Status> = {
  open: "todo",
  in_progress: "in_progress",
  blocked: "blocked",
  deferred: "blocked",
  closed: "done",
  tombstone: "cancelled",
  pinned: "todo",
  hooked: "in_progress",
};

const PRIORITY: Record<number, Priority> = { 0: "critical", 1: "high", 2: "medium", 3: "low", 4: "low" };

type Raw = Record<string, unknown>;

/** Parses a beads issues.jsonl into an import plan; malformed lines are refused whole, each named. */
export function parseBeads(text: string): ImportPlan {
  const bad = createBadRecords("beads");
  const log = createMappingLog();
  const notes: string[] = [];
  const seen = new Set<string>();
  const tasks: PlannedTask[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (!line.trim()) return;
    const where = `line ${i + 1}`;
    let issue: unknown;
    try {
      issue = JSON.parse(line);
    } catch {
      bad.add(where, undefined, "not JSON");
      return;
    }
    if (!isObject(issue)) {
      bad.add(where, undefined, `expected an object, found ${kindOf(issue)}`);
      return;
    }
    const before = bad.count;
    checkIssue(issue, where, bad);
    if (bad.count > before) return;
    const id = issue.id as string;
    if (seen.has(id)) {
      bad.add(where, id, "the id appears on an earlier line too");
      return;
    }
    seen.add(id);
    tasks.push(planned(issue, line, where, log, notes));
  });
  if (!tasks.length && !bad.count) bad.add("issues.jsonl", undefined, "holds no issues");
  bad.check();
  return { system: "beads", tasks, mappings: log.list(), notes };
}

function checkIssue(t: Raw, where: string, bad: BadRecords): void {
  if (typeof t.id !== "string" || !t.id.trim()) {
    bad.add(where, undefined, "id is missing or not text");
    return;
  }
  const id = t.id;
  if (typeof t.title !== "string") bad.add(where, id, "title is missing or not text");
  for (const field of ["description", "design", "acceptance_criteria", "notes", "status", "issue_type", "assignee"])
    if (t[field] !== undefined && t[field] !== null && typeof t[field] !== "string")
      bad.add(where, id, `${field} is ${kindOf(t[field])}, not text`);
  if (
    t.priority !== undefined &&
    t.priority !== null &&
    !(Number.isInteger(t.priority) && PRIORITY[t.priority as number])
  )
    bad.add(where, id, `priority ${JSON.stringify(t.priority)} is not 0–4`);
  if (
    t.estimated_minutes != null &&
    !(Number.isSafeInteger(t.estimated_minutes) && (t.estimated_minutes as number) >= 0)
  )
    bad.add(where, id, "estimated_minutes is not a whole number of minutes");
  for (const [field, check] of [
    ["labels", (x: unknown) => typeof x === "string"],
    ["dependencies", (x: unknown) => isObject(x) && typeof x.depends_on_id === "string" && x.depends_on_id !== ""],
    ["comments", (x: unknown) => isObject(x) && typeof x.text === "string"],
  ] as const) {
    const value = t[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) bad.add(where, id, `${field} is not an array`);
    else
      value.forEach((x, k) => {
        if (!check(x)) bad.add(where, id, `${field}[${k}] is malformed`);
      });
  }
}

function planned(t: Raw, line: string, where: string, log: MappingLog, notes: string[]): PlannedTask {
  const id = t.id as string;
  const status = typeof t.status === "string" ? t.status : "open";
  let parent: string | null = null;
  const dependsOn: string[] = [];
  const links: PlannedLink[] = [];
  for (const d of (t.dependencies as Raw[] | undefined) ?? []) {
    const target = d.depends_on_id as string;
    const type = typeof d.type === "string" ? d.type : "blocks";
    if (typeof d.issue_id === "string" && d.issue_id !== id)
      notes.push(`beads ${where}: a dependency of ${d.issue_id} is listed under ${id}; read as ${id}'s`);
    if (type === "blocks") {
      log.note("dependency type", type, "depends on");
      dependsOn.push(target);
    } else if (type === "parent-child" && parent === null) {
      log.note("dependency type", type, "parent");
      parent = target;
    } else {
      log.note("dependency type", type, "link (reported, kept in the source record)");
      links.push({ type, target });
    }
  }
  const comments: PlannedComment[] = ((t.comments as Raw[] | undefined) ?? []).map((c) => ({
    body: cleanText(c.text).trim() || "(empty comment)",
    ...(cleanLine(c.author, 100) ? { author: cleanLine(c.author, 100) } : {}),
    ...(parseTime(c.created_at) ? { createdAt: parseTime(c.created_at) } : {}),
  }));
  const type = typeof t.issue_type === "string" && t.issue_type !== "task" ? [t.issue_type] : [];
  const createdAt = parseTime(t.created_at);
  return {
    key: id,
    title: cleanTitle(t.title, `beads ${id}`),
    description: sections([
      [undefined, t.description],
      ["Design", t.design],
      ["Acceptance criteria", t.acceptance_criteria],
      ["Notes", t.notes],
    ]),
    status: log.note("status", status, STATUS[status] ?? "todo"),
    priority: log.note("priority", t.priority ?? 2, PRIORITY[(t.priority as number | undefined) ?? 2] ?? "medium"),
    tags: cleanTags([...((t.labels as string[] | undefined) ?? []), ...type]),
    estimate: typeof t.estimated_minutes === "number" ? Math.min(t.estimated_minutes, 1_000_000) : null,
    assignee: cleanLine(t.assignee, 100) ?? null,
    ...(createdAt === undefined ? {} : { createdAt }),
    parent,
    dependsOn: [...new Set(dependsOn)],
    comments,
    links,
    source: { system: "beads", id, record: line },
  };
}
