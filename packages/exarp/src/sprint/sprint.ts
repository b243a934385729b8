// A sprint is two events in the log (sprint.started, sprint.ended) on the stream `sprint:NAME`; what
// this module folds them into, and the inputs the sprint service takes.
import type { StoredEvent, StoredEventOf } from "../event/catalog.ts";
import { type Field, int, listOf, type QueryOf, query, tag, taskId } from "../kernel/query.ts";
import { lazy, z } from "../kernel/zod.ts";
import { TagInput, TaskId } from "../task/task.ts";
import { singleLine } from "../text/fields.ts";

/** The most tasks one sprint holds (a sprint is a plan for people to read, not the whole backlog). */
export const MAX_SPRINT_TASKS = 1000;

/** The rule of a sprint's name (the catalog's SprintName), as a read checks it without zod. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A sprint's name as a read takes it. */
export const sprintName: Field<string> = {
  check(v) {
    if (typeof v !== "string") return { problem: "must be a string" };
    if (v.length === 0) return { problem: "sprint name is empty" };
    if (v.length > 64) return { problem: "sprint name is longer than 64 characters" };
    if (!NAME.test(v))
      return {
        problem:
          "sprint name may contain only letters, digits, dot, dash and underscore, starting with a letter or digit",
      };
    return { ok: v };
  },
  zod: () =>
    z
      .string()
      .min(1, "sprint name is empty")
      .max(64, "sprint name is longer than 64 characters")
      .regex(
        NAME,
        "sprint name may contain only letters, digits, dot, dash and underscore, starting with a letter or digit",
      ),
};

/** Which tasks a sprint takes: those tagged `tag` (unfinished, at that moment), or `taskIds`; exactly one of the two. */
export const selectionQuery = query({ tag, taskIds: listOf(taskId, MAX_SPRINT_TASKS) });
export type Selection = QueryOf<typeof selectionQuery.shape>;

/** Starts a sprint named `name` over a selection, with an optional one-line goal. */
export const SprintStart = lazy(() =>
  z.strictObject({
    name: sprintName.zod(),
    tag: TagInput.optional(),
    taskIds: z.array(TaskId).max(MAX_SPRINT_TASKS, `at most ${MAX_SPRINT_TASKS} tasks`).optional(),
    goal: singleLine("goal", 500).optional(),
  }),
);
export type SprintStart = z.input<typeof SprintStart>;

/** Ends the open sprint; `name`, when given, must be the open one's (a script's guard against ending another). */
export const SprintEnd = lazy(() => z.strictObject({ name: sprintName.zod().optional() }));
export type SprintEnd = z.input<typeof SprintEnd>;

/** Which sprint a report is of (default: the open one, else the last), and when a lease counts as stale. */
export const reportQuery = query({ name: sprintName, staleAfterMs: int(60_000, 7 * 24 * 60 * 60_000) });
export type ReportQuery = QueryOf<typeof reportQuery.shape>;

/** A lease not renewed for this long counts as stale (the default lease length: an active agent renews twice in it). */
export const DEFAULT_STALE_AFTER_MS = 15 * 60_000;

/** One sprint as the log tells it. */
export type SprintRecord = {
  name: string;
  taskIds: string[];
  tag: string | null;
  goal: string | null;
  startedSeq: number;
  startedAt: number;
  startedBy: string;
  endedSeq: number | null;
  endedAt: number | null;
  endedBy: string | null;
};

/** True for a sprint event (what the log is scanned for, by its stored type). */
export const isSprintType = (type: string): boolean => type === "sprint.started" || type === "sprint.ended";

/** Folds sprint events (in log order) into sprints, oldest first; an end closes its sprint. */
export function sprintsOf(events: readonly StoredEvent[]): SprintRecord[] {
  const sprints: SprintRecord[] = [];
  const open = new Map<string, SprintRecord>();
  for (const e of events) {
    if (e.type === "sprint.started") {
      const record = startedRecord(e);
      sprints.push(record);
      open.set(record.name, record);
    } else if (e.type === "sprint.ended") {
      const record = open.get(e.payload.sprint);
      if (!record) continue;
      record.endedSeq = e.seq;
      record.endedAt = e.time;
      record.endedBy = e.actor;
      open.delete(record.name);
    }
  }
  return sprints;
}

function startedRecord(e: StoredEventOf<"sprint.started">): SprintRecord {
  return {
    name: e.payload.sprint,
    taskIds: [...e.payload.taskIds],
    tag: e.payload.tag,
    goal: e.payload.goal ?? null,
    startedSeq: e.seq,
    startedAt: e.time,
    startedBy: e.actor,
    endedSeq: null,
    endedAt: null,
    endedBy: null,
  };
}

/** The sprint still open, if any (at most one is: start refuses while one is). */
export const openSprint = (sprints: readonly SprintRecord[]): SprintRecord | undefined =>
  sprints.findLast((s) => s.endedSeq === null);
