import type { Priority, Status } from "../task/task.ts";
import { type BadRecords, createBadRecords, isObject, kindOf } from "./bad-records.ts";
import { cleanTags, cleanTitle, parseTime, recordJson, sections } from "./clean.ts";
import { createMappingLog, type MappingLog } from "./mapping.ts";
import type { ImportPlan, PlannedTask } from "./plan.ts";

// Taskmaster (claude-task-master) `.taskmaster/tasks/tasks.json`: either tagged,
// `{ "<tag>": { tasks: [...], metadata } }`, or the legacy flat `{ tasks: [...], meta }`. Tasks have
// numeric ids, subtasks ids within their parent (`118.2` from outside), and dependencies that mix
// numbers and strings. A task in a tag other than `master` is known as `<tag>:<id>`.

const STATUS: Record<string, Status> = {
  pending: "todo",
  todo: "todo",
  "in-progress": "in_progress",
  in_progress: "in_progress",
  review: "review",
  done: "done",
  completed: "done",
  blocked: "blocked",
  deferred: "blocked",
  cancelled: "cancelled",
  canceled: "cancelled",
};

const PRIORITY: Record<string, Priority> = { low: "low", medium: "medium", high: "high", critical: "critical" };

type Raw = Record<string, unknown>;
type Tag = { name: string | undefined; tasks: unknown[] };

/** Parses a Taskmaster tasks.json into an import plan; malformed input is refused whole, each bad record named. */
export function parseTaskmaster(text: string): ImportPlan {
  const bad = createBadRecords("taskmaster");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    bad.add("tasks.json", undefined, `not JSON (${(error as Error).message})`);
    bad.check();
  }
  const tags = tagsOf(data, bad);
  bad.check();
  const log = createMappingLog();
  const notes: string[] = [];
  const tasks: PlannedTask[] = [];
  for (const tag of tags) tasks.push(...tagTasks(tag, bad, log, notes));
  bad.check();
  return { system: "taskmaster", tasks, mappings: log.list(), notes };
}

function tagsOf(data: unknown, bad: BadRecords): Tag[] {
  if (!isObject(data)) {
    bad.add("tasks.json", undefined, `expected an object, found ${kindOf(data)}`);
    return [];
  }
  if (Array.isArray(data.tasks)) return [{ name: undefined, tasks: data.tasks }];
  const tags: Tag[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (isObject(value) && Array.isArray(value.tasks)) tags.push({ name, tasks: value.tasks });
    else bad.add(`tag ${JSON.stringify(name)}`, undefined, "expected { tasks: [...] }");
  }
  if (!tags.length && !bad.count)
    bad.add("tasks.json", undefined, "no tasks: expected { tasks } or { <tag>: { tasks } }");
  return tags;
}

const idText = (id: unknown): string | undefined =>
  (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) || (typeof id === "string" && /^\d+$/.test(id))
    ? String(id)
    : undefined;

function tagTasks(tag: Tag, bad: BadRecords, log: MappingLog, notes: string[]): PlannedTask[] {
  const prefix = tag.name === undefined || tag.name === "master" ? "" : `${tag.name}:`;
  const where = (i: number, sub?: number) =>
    `${tag.name === undefined ? "" : `tag ${JSON.stringify(tag.name)} `}task ${i + 1}${sub === undefined ? "" : ` subtask ${sub + 1}`}`;
  const top = new Map<string, Raw>();
  const subs = new Map<string, Map<string, Raw>>();
  tag.tasks.forEach((t, i) => {
    const id = isObject(t) ? idText(t.id) : undefined;
    if (!isObject(t) || id === undefined) {
      bad.add(
        where(i),
        isObject(t) ? (t.id as string) : undefined,
        isObject(t) ? "id is not a whole number" : `expected an object, found ${kindOf(t)}`,
      );
      return;
    }
    checkFields(t, where(i), bad);
    if (top.has(id)) bad.add(where(i), id, "the id appears twice in this tag");
    top.set(id, t);
    const children = new Map<string, Raw>();
    if (t.subtasks !== undefined && !Array.isArray(t.subtasks)) bad.add(where(i), id, "subtasks is not an array");
    (Array.isArray(t.subtasks) ? t.subtasks : []).forEach((s, k) => {
      const sid = isObject(s) ? idText(s.id) : undefined;
      if (!isObject(s) || sid === undefined) {
        bad.add(
          where(i, k),
          isObject(s) ? (s.id as string) : undefined,
          isObject(s) ? "id is not a whole number" : `expected an object, found ${kindOf(s)}`,
        );
        return;
      }
      checkFields(s, where(i, k), bad);
      if (children.has(sid)) bad.add(where(i, k), `${id}.${sid}`, "the subtask id appears twice in its task");
      children.set(sid, s);
    });
    subs.set(id, children);
  });
  if (bad.count) return [];

  // Dependencies are ids within the tag: `5` a task, `"5.2"` a subtask. Inside a subtask a bare
  // number names a sibling when one has it (Taskmaster's reading), else a task.
  const resolve = (dep: unknown, parent: string | undefined): string => {
    const text = String(dep).trim();
    if (parent !== undefined && /^\d+$/.test(text) && subs.get(parent)?.has(text)) return `${prefix}${parent}.${text}`;
    return `${prefix}${text}`;
  };
  const out: PlannedTask[] = [];
  const tagTag = tag.name && tag.name !== "master" ? [tag.name] : [];
  for (const [id, t] of top) {
    const { subtasks: _subtasks, ...record } = t;
    out.push(planned(`${prefix}${id}`, t, record, undefined, (d) => resolve(d, undefined), tagTag, log));
    for (const [sid, s] of subs.get(id) ?? []) {
      const stated = s.parentTaskId ?? s.parentId;
      if (stated !== undefined && String(stated) !== id)
        notes.push(
          `taskmaster ${prefix}${id}.${sid}: parentTaskId ${JSON.stringify(stated)} differs from the task holding it (${id}); the holder is its parent`,
        );
      out.push(planned(`${prefix}${id}.${sid}`, s, s, `${prefix}${id}`, (d) => resolve(d, id), tagTag, log));
    }
  }
  return out;
}

function checkFields(t: Raw, where: string, bad: BadRecords): void {
  const id = t.id as string;
  if (typeof t.title !== "string" || !t.title.trim()) bad.add(where, id, "title is missing or not text");
  for (const field of ["description", "details", "testStrategy", "status", "priority"])
    if (t[field] !== undefined && t[field] !== null && typeof t[field] !== "string")
      bad.add(where, id, `${field} is ${kindOf(t[field])}, not text`);
  if (t.dependencies !== undefined && !Array.isArray(t.dependencies))
    bad.add(where, id, "dependencies is not an array");
  for (const d of Array.isArray(t.dependencies) ? t.dependencies : [])
    if (
      !(typeof d === "number" && Number.isSafeInteger(d)) &&
      !(typeof d === "string" && /^\s*\d+(\.\d+)?\s*$/.test(d))
    )
      bad.add(where, id, `dependency ${JSON.stringify(d)} is not a task id (5 or "5.2")`);
}

function planned(
  key: string,
  t: Raw,
  record: Raw,
  parent: string | undefined,
  resolve: (dep: unknown) => string,
  tags: string[],
  log: MappingLog,
): PlannedTask {
  const status = typeof t.status === "string" ? t.status.trim().toLowerCase() : undefined;
  const priority = typeof t.priority === "string" ? t.priority.trim().toLowerCase() : undefined;
  return {
    key,
    title: cleanTitle(t.title, `taskmaster ${key}`),
    description: sections([
      [undefined, t.description],
      ["Details", t.details],
      ["Test strategy", t.testStrategy],
    ]),
    status: log.note("status", t.status, (status && STATUS[status]) || "todo"),
    priority: log.note("priority", t.priority, (priority && PRIORITY[priority]) || "medium"),
    tags: cleanTags(tags),
    estimate: null,
    assignee: null,
    ...optionalTime(t.createdAt ?? t.created),
    parent: parent ?? null,
    dependsOn: [...new Set((Array.isArray(t.dependencies) ? t.dependencies : []).map(resolve))],
    comments: [],
    links: [],
    source: { system: "taskmaster", id: key, record: recordJson(record) },
  };
}

function optionalTime(raw: unknown): { createdAt?: number } {
  const at = parseTime(raw);
  return at === undefined ? {} : { createdAt: at };
}
