import { z } from "zod";
import { Assignee, Description, Estimate, MAX_COMMENT, Priority, Status, Tags, TaskId, Title } from "./task.ts";

const ExpectedVersion = z.number().int().min(1).optional();
/** The fencing token of the caller's lease: a write with a stale one is refused. */
const LeaseToken = z.number().int().min(1).optional();

/** Create a task. Only the title is required. */
export const TaskCreate = z.strictObject({
  title: Title,
  description: Description.default(""),
  priority: Priority.default("medium"),
  tags: Tags.default([]),
  parentId: TaskId.nullable().default(null),
  estimate: Estimate.nullable().default(null),
  assignee: Assignee.nullable().default(null),
  dependsOn: z.array(TaskId).max(200, "more than 200 dependencies").default([]),
});
export type TaskCreate = z.input<typeof TaskCreate>;

/** Change some fields of a task; absent fields stay as they are, `null` clears an optional one. */
export const TaskEdit = z.strictObject({
  id: TaskId,
  expectedVersion: ExpectedVersion,
  lease: LeaseToken,
  title: Title.optional(),
  description: Description.optional(),
  priority: Priority.optional(),
  tags: Tags.optional(),
  parentId: TaskId.nullable().optional(),
  estimate: Estimate.nullable().optional(),
  assignee: Assignee.nullable().optional(),
});
export type TaskEdit = z.input<typeof TaskEdit>;

/** Move a task through the workflow. */
export const StatusChange = z.strictObject({
  id: TaskId,
  to: Status,
  reason: z.string().trim().min(1).max(2000).optional(),
  expectedVersion: ExpectedVersion,
  lease: LeaseToken,
});
export type StatusChange = z.input<typeof StatusChange>;

/** `taskId` depends on `blockerId`: it cannot be ready before the blocker is finished. */
export const DependencyChange = z.strictObject({
  taskId: TaskId,
  blockerId: TaskId,
  expectedVersion: ExpectedVersion,
  lease: LeaseToken,
});
export type DependencyChange = z.input<typeof DependencyChange>;

/** A comment on a task. */
export const CommentAdd = z.strictObject({
  taskId: TaskId,
  body: z
    .string()
    .trim()
    .min(1, "comment is empty")
    .max(MAX_COMMENT, `comment is longer than ${MAX_COMMENT} characters`),
});
export type CommentAdd = z.input<typeof CommentAdd>;
