import type { Priority, Status } from "../task/task.ts";
import { type BadRecords, createBadRecords, isObject, kindOf } from "./bad-records.ts";
import { cleanLine, cleanTags, cleanText, cleanTitle, parseTime, recordJson } from "./clean.ts";
import { createMappingLog, type MappingLog } from "./mapping.ts";
import type { ImportPlan, PlannedComment, PlannedTask } from "./plan.ts";

// exarp-go's Todo2 state, `.todo2/state.todo2.json`: `{ todos: [...] }`, each with id, content (the
// title; `name` a short form), long_description, status (`Todo`, `In Progress`, `Review`, `Done`…),
// priority, tags, dependencies (ids), parent_id, completed, metadata and RFC 3339 times (older
// files: created, lastModified), sometimes comments and estimatedHours.

const STATUS: Record<string, Status> = {
  todo: "todo",
  pending: "todo",
  open: "todo",
  inprogress: "in_progress",
  review: "review",
  inreview: "review",
  done: "done",
  completed: "done",
  blocked: "blocked",
  cancelled: "cancelled",
  canceled: "cancelled",
};

const PRIORITY: Record<string, Priority> = {
  low: "low",
  medium: "medium",
  high: "high",
  critical: "critical",
  urgent: "critical",
};

type Raw = Record<string, unknown>;

/** Parses exarp-go's Todo2 JSON into an import plan; malformed input is refused whole, each bad todo named. */
export function parseExarpGo(text: string): ImportPlan {
  const bad = createBadRecords("exarp-go");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    bad.add("state.todo2.json", undefined, `not JSON (${(error as Error).message})`);
    bad.check();
  }
  const todos = isObject(data) ? data.todos : undefined;
  if (!Array.isArray(todos)) {
    bad.add(
      "state.todo2.json",
      undefined,
      `expected { todos: [...] }, found ${isObject(data) ? "no todos array" : kindOf(data)}`,
    );
    bad.check();
  }
  const log = createMappingLog();
  const seen = new Set<string>();
  const tasks: PlannedTask[] = [];
  (todos as unknown[]).forEach((t, i) => {
    const where = `todo ${i + 1}`;
    if (!isObject(t)) {
      bad.add(where, undefined, `expected an object, found ${kindOf(t)}`);
      return;
    }
    const before = bad.count;
    checkTodo(t, where, bad);
    if (bad.count > before) return;
    const id = t.id as string;
    if (seen.has(id)) {
      bad.add(where, id, "the id appears on an earlier todo too");
      return;
    }
    seen.add(id);
    tasks.push(planned(t, log));
  });
  if (!tasks.length && !bad.count) bad.add("state.todo2.json", undefined, "holds no todos");
  bad.check();
  return { system: "exarp-go", tasks, mappings: log.list(), notes: [] };
}

function checkTodo(t: Raw, where: string, bad: BadRecords): void {
  if (typeof t.id !== "string" || !t.id.trim()) {
    bad.add(where, undefined, "id is missing or not text");
    return;
  }
  const id = t.id;
  if (typeof t.content !== "string" && typeof t.name !== "string") bad.add(where, id, "has neither content nor name");
  for (const field of ["content", "name", "long_description", "status", "priority", "parent_id"])
    if (t[field] !== undefined && t[field] !== null && typeof t[field] !== "string")
      bad.add(where, id, `${field} is ${kindOf(t[field])}, not text`);
  for (const field of ["tags", "dependencies"]) {
    const value = t[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || value.some((x) => typeof x !== "string" || !x))
      bad.add(where, id, `${field} is not a list of text`);
  }
  if (t.comments != null && !Array.isArray(t.comments)) bad.add(where, id, "comments is not an array");
  if (t.estimatedHours != null && !(typeof t.estimatedHours === "number" && t.estimatedHours >= 0))
    bad.add(where, id, "estimatedHours is not a number of hours");
}

function planned(t: Raw, log: MappingLog): PlannedTask {
  const id = t.id as string;
  const statusKey = typeof t.status === "string" ? t.status.toLowerCase().replace(/[\s_-]+/g, "") : "";
  const fromStatus = STATUS[statusKey];
  const status = fromStatus ?? (t.completed === true ? "done" : "todo");
  const priorityKey = typeof t.priority === "string" ? t.priority.toLowerCase().trim() : "";
  const comments: PlannedComment[] = ((t.comments as unknown[] | undefined) ?? []).flatMap((c) => {
    const body = isObject(c) ? (c.content ?? c.text ?? c.body) : c;
    if (typeof body !== "string" || !body.trim()) return [];
    const author = isObject(c) ? cleanLine(c.author, 100) : undefined;
    const at = isObject(c) ? parseTime(c.created_at ?? c.created ?? c.timestamp) : undefined;
    return [{ body: cleanText(body).trim(), ...(author ? { author } : {}), ...(at ? { createdAt: at } : {}) }];
  });
  const createdAt = parseTime(t.created_at ?? t.created);
  const hours = typeof t.estimatedHours === "number" ? t.estimatedHours : undefined;
  return {
    key: id,
    title: cleanTitle(t.content || t.name, `exarp-go ${id}`),
    description: cleanText(t.long_description),
    status: log.note("status", t.status, status),
    priority: log.note("priority", t.priority, PRIORITY[priorityKey] ?? "medium"),
    tags: cleanTags((t.tags as string[] | undefined) ?? []),
    estimate: hours === undefined ? null : Math.min(Math.round(hours * 60), 1_000_000),
    assignee: null,
    ...(createdAt === undefined ? {} : { createdAt }),
    parent: typeof t.parent_id === "string" && t.parent_id ? t.parent_id : null,
    dependsOn: [...new Set((t.dependencies as string[] | undefined) ?? [])],
    comments,
    links: [],
    source: { system: "exarp-go", id, record: recordJson(t) },
  };
}
