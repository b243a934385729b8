import { lazy, z } from "../kernel/zod.ts";
import { multiLine } from "../text/fields.ts";
import {
  AssigneeInput,
  DescriptionInput,
  Estimate,
  MAX_COMMENT,
  Priority,
  Status,
  TagsInput,
  TaskId,
  TitleInput,
} from "./task.ts";

const ExpectedVersion = lazy(() => z.number().int().min(1).optional());

/** Why a move was made: recorded in history; newlines allowed, shown on one line. */
export const Reason = lazy(() => multiLine("reason", 2000).trim().min(1, "reason is empty"));
/** The fencing token of the caller's lease: a write with a stale one is refused. */
const LeaseToken = lazy(() => z.number().int().min(1).optional());

/** Create a task. Only the title is required. */
export const TaskCreate = lazy(() =>
  z.strictObject({
    title: TitleInput,
    description: DescriptionInput.default(""),
    priority: Priority.default("medium"),
    tags: TagsInput.default([]),
    parentId: TaskId.nullable().default(null),
    estimate: Estimate.nullable().default(null),
    assignee: AssigneeInput.nullable().default(null),
    dependsOn: z.array(TaskId).max(200, "more than 200 dependencies").default([]),
  }),
);
export type TaskCreate = z.input<typeof TaskCreate>;

/** Change some fields of a task; absent fields stay as they are, `null` clears an optional one. */
export const TaskEdit = lazy(() =>
  z.strictObject({
    id: TaskId,
    expectedVersion: ExpectedVersion,
    lease: LeaseToken,
    title: TitleInput.optional(),
    description: DescriptionInput.optional(),
    priority: Priority.optional(),
    tags: TagsInput.optional(),
    parentId: TaskId.nullable().optional(),
    estimate: Estimate.nullable().optional(),
    assignee: AssigneeInput.nullable().optional(),
  }),
);
export type TaskEdit = z.input<typeof TaskEdit>;

/** Move a task through the workflow. */
export const StatusChange = lazy(() =>
  z.strictObject({
    id: TaskId,
    to: Status,
    reason: Reason.optional(),
    expectedVersion: ExpectedVersion,
    lease: LeaseToken,
  }),
);
export type StatusChange = z.input<typeof StatusChange>;

/** `taskId` depends on `blockerId`: it cannot be ready before the blocker is finished. */
export const DependencyChange = lazy(() =>
  z.strictObject({
    taskId: TaskId,
    blockerId: TaskId,
    expectedVersion: ExpectedVersion,
    lease: LeaseToken,
  }),
);
export type DependencyChange = z.input<typeof DependencyChange>;

/**
 * A comment on a task. A person may always comment; an agent only while nobody else holds the
 * task's lease (and, with `lease`, only while that token is the live one).
 */
export const CommentAdd = lazy(() =>
  z.strictObject({
    taskId: TaskId,
    body: multiLine("comment", MAX_COMMENT).trim().min(1, "comment is empty"),
    lease: LeaseToken,
  }),
);
export type CommentAdd = z.input<typeof CommentAdd>;
