import { lazy, z } from "../kernel/zod.ts";
import { Comment, Status, Task, TaskFields, TaskId, TaskSource } from "../task/task.ts";
import { SCOPES, TokenId } from "../token/token.ts";
import type { EventEnvelope } from "./envelope.ts";

/** A removed task as it was (row, dependencies, comments), kept in the log for the record. */
export const TaskSnapshot = lazy(() =>
  z.object({
    task: Task,
    dependsOn: z.array(TaskId),
    comments: z.array(Comment),
  }),
);
export type TaskSnapshot = z.infer<typeof TaskSnapshot>;

const TaskPatch = lazy(() => TaskFields.partial());

/** A sprint's name: short, printable, no spaces (it is typed on the command line). */
export const SprintName = lazy(() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      "letters, digits, dot, dash and underscore, starting with a letter or digit",
    ),
);

/**
 * Every event exarp records, with the schema of its payload. Appending validates against it,
 * so the log never holds a malformed event. Names are past tense, dotted, lowercase. Each schema is
 * built when first used: a process that only claims builds the lease events' and no others.
 */
export const eventPayloads = {
  "task.created": lazy(() =>
    z.object({
      task: TaskFields.extend({ id: TaskId, status: Status, createdAt: z.number().int().optional() }),
      // An imported task's origin (exarp import --from), kept with the event that made it.
      source: TaskSource.optional(),
    }),
  ),
  "task.edited": lazy(() => z.object({ taskId: TaskId, changes: TaskPatch, previous: TaskPatch })),
  "task.status_changed": lazy(() =>
    z.object({
      taskId: TaskId,
      from: Status,
      to: Status,
      reason: z.string().optional(),
    }),
  ),
  "task.deleted": lazy(() => z.object({ taskId: TaskId, snapshot: TaskSnapshot })),
  "dependency.added": lazy(() => z.object({ taskId: TaskId, blockerId: TaskId })),
  "dependency.removed": lazy(() => z.object({ taskId: TaskId, blockerId: TaskId })),
  "comment.added": lazy(() =>
    z.object({
      taskId: TaskId,
      commentId: z.string(),
      body: z.string(),
      author: z.string().optional(),
      createdAt: z.number().int().optional(),
    }),
  ),
  "comment.removed": lazy(() => z.object({ taskId: TaskId, commentId: z.string() })),
  // Leases: the fencing token of a grant is the seq of its lease.acquired event.
  "lease.acquired": lazy(() =>
    z.object({
      taskId: TaskId,
      agent: z.string(),
      session: z.string().nullable(),
      expiresAt: z.number().int(),
    }),
  ),
  "lease.renewed": lazy(() => z.object({ taskId: TaskId, token: z.number().int(), expiresAt: z.number().int() })),
  "lease.released": lazy(() =>
    z.object({
      taskId: TaskId,
      token: z.number().int(),
      reason: z.enum(["released", "status", "forced"]),
    }),
  ),
  "lease.expired": lazy(() =>
    z.object({
      taskId: TaskId,
      token: z.number().int(),
      agent: z.string(),
      session: z.string().nullable(),
      expiredAt: z.number().int(),
    }),
  ),
  // Approvals: a request's id is the seq of its approval.requested event.
  "approval.requested": lazy(() =>
    z.object({
      taskId: TaskId,
      requestedBy: z.string(),
      requestedSession: z.string().nullable(),
    }),
  ),
  "approval.decided": lazy(() =>
    z.object({
      taskId: TaskId,
      requestId: z.number().int(),
      outcome: z.enum(["approved", "denied"]),
      reason: z.string().optional(),
    }),
  ),
  "approval.timed_out": lazy(() =>
    z.object({ taskId: TaskId, requestId: z.number().int(), waitedMs: z.number().int() }),
  ),
  "approval.withdrawn": lazy(() => z.object({ taskId: TaskId, requestId: z.number().int(), reason: z.string() })),
  // Tokens: only the secret's sha256 is recorded; the secret itself exists only where it was shown.
  "token.created": lazy(() =>
    z.object({
      tokenId: TokenId,
      name: z.string(),
      scope: z.enum(SCOPES),
      identity: z.string(),
      secretHash: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  "token.revoked": lazy(() => z.object({ tokenId: TokenId })),
  // Sprints: a named set of tasks worked between a start and an end; the report is read from the log.
  "sprint.started": lazy(() =>
    z.object({
      sprint: SprintName,
      taskIds: z.array(TaskId),
      tag: z.string().nullable(),
      goal: z.string().optional(),
    }),
  ),
  "sprint.ended": lazy(() => z.object({ sprint: SprintName })),
  // The runner (`exarp run`): one OpenCode session per task attempt, recorded in the runner's own stream.
  "runner.session_started": lazy(() =>
    z.object({
      runner: z.string(),
      taskId: TaskId,
      session: z.string(),
      attempt: z.number().int().min(1),
      worktree: z.string().nullable(),
      branch: z.string().nullable(),
    }),
  ),
  "runner.session_finished": lazy(() => z.object({ runner: z.string(), taskId: TaskId, session: z.string() })),
  "runner.session_retried": lazy(() =>
    z.object({
      runner: z.string(),
      taskId: TaskId,
      session: z.string(),
      attempt: z.number().int().min(1),
      error: z.string(),
      retryAt: z.number().int(),
    }),
  ),
  "runner.session_abandoned": lazy(() =>
    z.object({
      runner: z.string(),
      taskId: TaskId,
      session: z.string().nullable(),
      error: z.string(),
    }),
  ),
} as const;

export type EventType = keyof typeof eventPayloads;
export type PayloadOf<T extends EventType> = z.infer<(typeof eventPayloads)[T]>;

/** An event as a command decides it, before it has a place in the log. */
export type NewEvent = { [T in EventType]: { type: T; payload: PayloadOf<T> } }[EventType];

/** An event in the log. */
export type StoredEvent = NewEvent & EventEnvelope;

/** Narrow a stored event to one type. */
export type StoredEventOf<T extends EventType> = Extract<NewEvent, { type: T }> & EventEnvelope;

/** Every event type. */
export const eventTypes = (): EventType[] => Object.keys(eventPayloads) as EventType[];

/**
 * The task (or token, sprint, runner) an event is about: its stream, used for per-task history and
 * undo. A sprint's stream is `sprint:NAME`; a runner's is `runner:IDENTITY`, so its state is one stream.
 */
export function eventSubject(event: NewEvent): string {
  if (event.type === "task.created") return event.payload.task.id;
  if (event.type === "token.created" || event.type === "token.revoked") return event.payload.tokenId;
  if (event.type === "sprint.started" || event.type === "sprint.ended") return sprintStream(event.payload.sprint);
  if (event.type.startsWith("runner.")) return runnerStream((event.payload as { runner: string }).runner);
  return (event.payload as { taskId: string }).taskId;
}

export const sprintStream = (name: string) => `sprint:${name}`;
export const runnerStream = (identity: string) => `runner:${identity}`;
