import { lazy, z } from "../kernel/zod.ts";
import { multiLine, singleLine } from "../text/fields.ts";
import { unsafeReason } from "../text/safe.ts";

/** Workflow states. `done` and `cancelled` are finished; the others are open. */
export const STATUSES = ["todo", "in_progress", "review", "done", "blocked", "cancelled"] as const;
export const Status = lazy(() => z.enum(STATUSES));
export type Status = (typeof STATUSES)[number];

/** Priorities, lowest first. */
export const PRIORITIES = ["low", "medium", "high", "critical"] as const;
export const Priority = lazy(() => z.enum(PRIORITIES));
export type Priority = (typeof PRIORITIES)[number];

/** Numeric rank of each priority, higher is more urgent. */
export const priorityRank: Record<Priority, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export const MAX_TITLE = 500;
export const MAX_DESCRIPTION = 64_000;
export const MAX_COMMENT = 64_000;
export const MAX_TAGS = 32;

/** A task id: `T-` plus base32 for new tasks; imported tasks keep their own id (same character set). */
export const TaskId = lazy(() =>
  z
    .string()
    .min(1, "task id is empty")
    .max(64, "task id is longer than 64 characters")
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "task id may contain only letters, digits and . _ : -"),
);

export const Title = lazy(() =>
  z.string().trim().min(1, "title is empty").max(MAX_TITLE, `title is longer than ${MAX_TITLE} characters`),
);
export const Description = lazy(() =>
  z.string().max(MAX_DESCRIPTION, `description is longer than ${MAX_DESCRIPTION} characters`),
);
export const Tag = lazy(() =>
  z
    .string()
    .trim()
    .min(1, "tag is empty")
    .max(40, "tag is longer than 40 characters")
    .regex(/^[^\s,]+$/, "tags may not contain spaces or commas"),
);
export const Tags = lazy(() => z.array(Tag).max(MAX_TAGS, `more than ${MAX_TAGS} tags`));
export const Estimate = lazy(() =>
  z
    .number()
    .int("estimate must be whole minutes")
    .min(0, "estimate must be 0 or more minutes")
    .max(1_000_000, "estimate must be at most 1,000,000 minutes"),
);
export const Assignee = lazy(() => z.string().trim().min(1).max(100));

// The same fields as a command takes them: one-line fields refuse control and bidi characters,
// multi-line ones keep only newlines and tabs. (Stored events keep the permissive forms above, so
// history written by an older exarp still restores; renderers neutralise whatever it holds.)
export const TitleInput = lazy(() => singleLine("title", MAX_TITLE));
export const DescriptionInput = lazy(() => multiLine("description", MAX_DESCRIPTION));
export const TagInput = lazy(() =>
  Tag.superRefine((value, ctx) => {
    const reason = unsafeReason(value, false);
    if (reason) ctx.addIssue({ code: "custom", message: `tag ${reason}` });
  }),
);
export const TagsInput = lazy(() => z.array(TagInput).max(MAX_TAGS, `more than ${MAX_TAGS} tags`));
export const AssigneeInput = lazy(() => singleLine("assignee", 100));

/** The editable fields of a task, as stored in events and projections. */
export const TaskFields = lazy(() =>
  z.object({
    title: Title,
    description: Description,
    priority: Priority,
    tags: Tags,
    parentId: TaskId.nullable(),
    estimate: Estimate.nullable(),
    assignee: Assignee.nullable(),
  }),
);
export type TaskFields = z.infer<typeof TaskFields>;

/** A task as projected from its events. Dependencies live beside it (see TaskDetail). */
export const Task = lazy(() =>
  TaskFields.extend({
    id: TaskId,
    status: Status,
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    version: z.number().int().min(1),
  }),
);
export type Task = z.infer<typeof Task>;

/** A comment, readable back with the task it belongs to. */
export const Comment = lazy(() =>
  z.object({
    id: z.string(),
    taskId: TaskId,
    body: z.string(),
    author: z.string(),
    createdAt: z.number().int(),
  }),
);
export type Comment = z.infer<typeof Comment>;

/** The tools a task can be imported from (`exarp import --from`). */
export const FOREIGN_SYSTEMS = ["taskmaster", "beads", "backlog", "exarp-go"] as const;
export type ForeignSystem = (typeof FOREIGN_SYSTEMS)[number];

/** The most characters one imported record keeps verbatim. */
export const MAX_SOURCE_RECORD = 1_000_000;

/**
 * Where an imported task came from: the tool, its id there (findable: `taskmaster:42`), and the
 * record as the tool wrote it, verbatim, so nothing the mapping dropped is lost.
 */
export const TaskSource = lazy(() =>
  z.strictObject({
    system: z.enum(FOREIGN_SYSTEMS),
    id: z.string().min(1).max(200),
    record: z.string().max(MAX_SOURCE_RECORD),
  }),
);
export type TaskSource = z.infer<typeof TaskSource>;

/** A task with its dependencies in both directions, its comments and, when imported, its source. */
export type TaskDetail = Task & {
  dependsOn: string[];
  dependents: string[];
  comments: Comment[];
  source?: TaskSource;
};

export const FINISHED: ReadonlySet<Status> = new Set(["done", "cancelled"]);

/** True for done and cancelled: finished work that blocks nobody. */
export function isFinished(status: Status): boolean {
  return FINISHED.has(status);
}

/** Sort tags and drop duplicates, so equal tag sets compare equal. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}
