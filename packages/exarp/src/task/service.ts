import { appendDecision } from "../approval/decision.ts";
import { ApprovalRequired, NotFound } from "../errors-catalog.ts";
import { isPerson } from "../identity/identity.ts";
import { runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import { checkTaskId, int, line, listOf, oneOf, query, tag, taskId } from "../kernel/query.ts";
import { checkWrite } from "../lease/decide.ts";
import type { TaskFilter } from "../store/queries/index.ts";
import { CommentAdd, DependencyChange, StatusChange, TaskCreate, TaskEdit } from "./commands.ts";
import { checkVersion, decideAddDependency, decideCreate, decideEdit, decideRemoveDependency } from "./decide.ts";
import { checkParent, foreignTaskId, requireTask, resolveTaskRef } from "./require.ts";
import type { Comment, Task, TaskDetail } from "./task.ts";
import { MAX_TAGS, PRIORITIES, STATUSES } from "./task.ts";
import { transitionEvents } from "./transition.ts";

/** The most rows one list returns. */
export const MAX_ROWS = 100_000;

/** Filters accepted by `tasks.list`, validated like every other input. */
export const taskListQuery = query({
  status: listOf(oneOf(STATUSES)),
  priority: listOf(oneOf(PRIORITIES)),
  tags: listOf(tag, MAX_TAGS),
  text: line("text", 500),
  parentId: taskId,
  assignee: line("assignee", 100),
  limit: int(1, MAX_ROWS),
});
export const TaskListFilter = taskListQuery.schema;

/** Creating, editing, moving, linking and commenting on tasks. */
export function createTaskService(ctx: ServiceContext) {
  const service = {
    /** Creates a task (status todo) with optional first dependencies. */
    create(input: TaskCreate): TaskDetail {
      const data = parseInput(TaskCreate, input);
      return runCommand(ctx, (tx) => {
        if (data.parentId) requireTask(tx, data.parentId);
        for (const blocker of data.dependsOn) requireTask(tx, blocker);
        const id = ctx.ids.taskId((candidate) => tx.taskExists(candidate));
        tx.append(decideCreate(id, data));
        return tx.taskDetail(id) as TaskDetail;
      }).result;
    },

    /** Edits fields; returns the task unchanged (and writes nothing) when nothing differs. */
    edit(input: TaskEdit): TaskDetail {
      const data = parseInput(TaskEdit, input);
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, data.id);
        if (data.parentId) {
          requireTask(tx, data.parentId);
          checkParent(tx, task.id, data.parentId);
        }
        checkWrite(task.id, tx.lease(task.id), ctx.actor, ctx.clock.now(), data.lease);
        tx.append(decideEdit(task, data));
        return tx.taskDetail(data.id) as TaskDetail;
      }).result;
    },

    /**
     * Moves a task through the workflow, after every guard (status machine, leases, approvals) agrees.
     * Review → done without an approval yet is the one-step form of an approval: allowed to a person
     * who did not ask for the review (it approves, then completes), refused, naming who may, otherwise.
     */
    setStatus(input: StatusChange): TaskDetail {
      const data = parseInput(StatusChange, input);
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, data.id);
        const { to, reason, expectedVersion, lease } = data;
        const now = ctx.clock.now();
        const latest = task.status === "review" && to === "done" ? tx.latestApproval(task.id) : undefined;
        if (task.status === "review" && to === "done" && latest?.state !== "approved") {
          checkVersion(task, expectedVersion);
          // An agent asking for done is told what is missing; a person gets the decision rules.
          if (!isPerson(ctx.actor)) throw new ApprovalRequired({ taskId: task.id, state: latest?.state ?? "none" });
          appendDecision(tx, { task, outcome: "approved", reason, actor: ctx.actor, now, ids: ctx.ids });
        } else {
          tx.append(transitionEvents(tx, { task, to, reason, expectedVersion, lease, actor: ctx.actor, now }));
        }
        return tx.taskDetail(data.id) as TaskDetail;
      }).result;
    },

    /** `taskId` depends on `blockerId`; refuses cycles and names them. */
    addDependency(input: DependencyChange): TaskDetail {
      const data = parseInput(DependencyChange, input);
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, data.taskId);
        checkWrite(task.id, tx.lease(task.id), ctx.actor, ctx.clock.now(), data.lease);
        const blockerExists = tx.taskExists(data.blockerId);
        const exists = tx.hasDependency(data.taskId, data.blockerId);
        const closes = blockerExists && !exists && tx.reaches(data.blockerId, data.taskId);
        const pathBack = closes ? tx.dependencyPath(data.blockerId, data.taskId) : undefined;
        tx.append(decideAddDependency(task, data, { blockerExists, exists, pathBack }));
        return tx.taskDetail(data.taskId) as TaskDetail;
      }).result;
    },

    removeDependency(input: DependencyChange): TaskDetail {
      const data = parseInput(DependencyChange, input);
      return runCommand(ctx, (tx) => {
        const task = requireTask(tx, data.taskId);
        checkWrite(task.id, tx.lease(task.id), ctx.actor, ctx.clock.now(), data.lease);
        tx.append(decideRemoveDependency(task, data, tx.hasDependency(data.taskId, data.blockerId)));
        return tx.taskDetail(data.taskId) as TaskDetail;
      }).result;
    },

    /**
     * Adds a comment; comments never bump the task's version. A person may always comment (a denial's
     * reason is one); an agent may not while someone else holds the task's lease.
     */
    comment(input: CommentAdd): Comment {
      const data = parseInput(CommentAdd, input);
      return runCommand(ctx, (tx) => {
        requireTask(tx, data.taskId);
        if (!isPerson(ctx.actor) || data.lease !== undefined)
          checkWrite(data.taskId, tx.lease(data.taskId), ctx.actor, ctx.clock.now(), data.lease);
        const commentId = ctx.ids.commentId();
        tx.append([{ type: "comment.added", payload: { taskId: data.taskId, commentId, body: data.body } }]);
        return tx.comment(commentId) as Comment;
      }).result;
    },

    /** The id a reference names: a task's own id, or an imported task's id in its tool (`taskmaster:42`). */
    resolve(ref: string): string {
      // Not an id at all: left as given, for the command to refuse as it refuses any bad id.
      return "ok" in taskId.check(ref) ? resolveTaskRef(ctx.store, ref) : ref;
    },

    /** A task with dependencies both ways, its comments and source; NotFound when absent. Takes a foreign id too. */
    get(id: string): TaskDetail {
      const ref = checkTaskId(id);
      const now = ctx.clock.now();
      // The task's own id costs one read; only an id no task has is looked up among imported ones.
      const detail = ctx.store.taskDetail(ref, now) ?? ctx.store.taskDetail(foreignTaskId(ctx.store, ref) ?? ref, now);
      if (!detail) throw new NotFound({ kind: "task", id });
      return detail;
    },

    /** A task or undefined: for callers that only peek (a blocker's status). */
    find(id: string): Task | undefined {
      return ctx.store.task(id, ctx.clock.now());
    },

    list(filter: TaskFilter = {}): Task[] {
      return ctx.store.listTasks(taskListQuery.parse(filter), ctx.clock.now());
    },

    countByStatus: () => ctx.store.countByStatus(ctx.clock.now()),
  };
  return service;
}

export type TaskService = ReturnType<typeof createTaskService>;
