import { NextQuery } from "../../graph/service.ts";
import { lazy, z } from "../../kernel/zod.ts";
import { MAX_ROWS, TaskListFilter } from "../../task/service.ts";
import { type Status, TaskId } from "../../task/task.ts";
import { As } from "../identity.ts";
import { TOOL_TEXT } from "../prompts.ts";
import { defineTool } from "../tool.ts";
import { approvalView, leaseView, taskSummary, taskView } from "../views.ts";

const OPEN: Status[] = ["todo", "in_progress", "review", "blocked"];
/** Rows a list returns unless asked for more: a model reads every one of them. */
const DEFAULT_LIMIT = { list: 50, ready: 20 } as const;

const Input = lazy(() =>
  z.strictObject({
    action: z.enum(["list", "show", "ready", "next"]),
    id: TaskId.optional(),
    status: TaskListFilter.shape.status,
    priority: TaskListFilter.shape.priority,
    tags: TaskListFilter.shape.tags,
    text: TaskListFilter.shape.text,
    parentId: TaskListFilter.shape.parentId,
    assignee: TaskListFilter.shape.assignee,
    can: NextQuery.shape.can,
    limit: TaskListFilter.shape.limit,
    as: As.optional(),
  }),
);

/** One more row than `limit` is asked for to tell whether there are more (the core returns at most MAX_ROWS). */
const probe = (limit: number) => Math.min(limit + 1, MAX_ROWS);

/** At most `limit` rows, saying when there were more. */
function page<T, U>(rows: T[], limit: number, view: (row: T) => U, key: string) {
  const shown = rows.slice(0, limit).map(view);
  return rows.length > limit
    ? { [key]: shown, more: `more than ${limit}; narrow the filters or raise limit` }
    : { [key]: shown };
}

export const tasksTool = defineTool({
  name: "tasks",
  description: TOOL_TEXT.tasks,
  input: Input,
  annotations: { readOnlyHint: true },
  actions: {
    list: { fields: ["status", "priority", "tags", "text", "parentId", "assignee", "limit"] },
    show: { fields: ["id"], required: ["id"] },
    ready: { fields: ["tags", "limit"] },
    next: { fields: ["can", "tags"] },
  },
  run(args, services) {
    switch (args.action) {
      case "list": {
        const limit = args.limit ?? DEFAULT_LIMIT.list;
        const { status, priority, tags, text, parentId, assignee } = args;
        const filter = { status: status ?? OPEN, priority, tags, text, parentId, assignee, limit: probe(limit) };
        const rows = services.tasks.list(filter);
        return { json: page(rows, limit, taskSummary, "tasks") };
      }
      case "show": {
        const task = services.tasks.get(args.id as string);
        const readiness = task.status === "todo" ? services.graph.explain(task.id) : undefined;
        const lease = services.leases.list().find((l) => l.taskId === task.id && l.live);
        const approval = services.approvals.latest(task.id);
        return {
          json: {
            ...taskView(task),
            ...(readiness && !readiness.ready ? { notReady: readiness.reasons } : {}),
            ...(lease ? { lease: leaseView(lease) } : {}),
            ...(approval ? { approval: approvalView(approval) } : {}),
          },
        };
      }
      case "ready": {
        const limit = args.limit ?? DEFAULT_LIMIT.ready;
        const rows = services.graph.ready({ tags: args.tags, limit: probe(limit) });
        return { json: page(rows, limit, taskSummary, "ready") };
      }
      case "next": {
        const task = services.graph.next({ can: args.can, tags: args.tags });
        return { json: task ? { next: taskSummary(task) } : { next: null, note: "nothing is ready for you" } };
      }
    }
  },
});
