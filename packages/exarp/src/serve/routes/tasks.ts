// Tasks: list, read, create, edit, move, comment, link.
import type { CommentAdd, DependencyChange, StatusChange, TaskCreate, TaskEdit } from "../../task/commands.ts";
import { taskListQuery } from "../../task/service.ts";
import type { Param } from "../query.ts";
import { bodyTaskId, created, ok, pathTaskId, type Route, serviceInput } from "../route.ts";

const filter = taskListQuery.shape;

/** `GET /api/tasks` takes the command line's filters (`exarp list`), with the URL's names. */
const LIST_PARAMS: Record<string, Param> = {
  status: { key: "status", kind: "list", field: filter.status },
  priority: { key: "priority", kind: "list", field: filter.priority },
  tag: { key: "tags", kind: "list", field: filter.tags },
  text: { key: "text", kind: "text", field: filter.text },
  parent: { key: "parentId", kind: "text", field: filter.parentId },
  assignee: { key: "assignee", kind: "text", field: filter.assignee },
  limit: { key: "limit", kind: "int", field: filter.limit },
};

export const taskRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/tasks",
    scope: "viewer",
    query: LIST_PARAMS,
    run: ({ services, filter }) => ok({ tasks: services.tasks.list(filter) }),
  },
  {
    method: "POST",
    path: "/api/tasks",
    scope: "collaborator",
    run: ({ services, body }) => created({ task: services.tasks.create(serviceInput<TaskCreate>(body)) }),
  },
  {
    method: "GET",
    path: "/api/tasks/:id",
    scope: "viewer",
    run: ({ services, params }) => ok({ task: services.tasks.get(pathTaskId(params)) }),
  },
  {
    method: "PATCH",
    path: "/api/tasks/:id",
    scope: "collaborator",
    run: ({ services, params, body }) =>
      ok({ task: services.tasks.edit(serviceInput<TaskEdit>(body, { id: pathTaskId(params) })) }),
  },
  {
    method: "GET",
    path: "/api/tasks/:id/explain",
    scope: "viewer",
    run: ({ services, params }) => ok({ explanation: services.graph.explain(pathTaskId(params)) }),
  },
  {
    method: "POST",
    path: "/api/tasks/:id/status",
    scope: "collaborator",
    run: ({ services, params, body }) =>
      ok({ task: services.tasks.setStatus(serviceInput<StatusChange>(body, { id: pathTaskId(params) })) }),
  },
  {
    method: "POST",
    path: "/api/tasks/:id/comments",
    scope: "collaborator",
    run: ({ services, params, body }) =>
      created({ comment: services.tasks.comment(serviceInput<CommentAdd>(body, { taskId: pathTaskId(params) })) }),
  },
  {
    method: "POST",
    path: "/api/tasks/:id/dependencies",
    scope: "collaborator",
    run: ({ services, params, body }) => {
      const { blocker: _named, ...rest } = body;
      const fromPath = { taskId: pathTaskId(params), blockerId: bodyTaskId(body, "blocker") };
      return ok({ task: services.tasks.addDependency(serviceInput<DependencyChange>(rest, fromPath)) });
    },
  },
  {
    method: "DELETE",
    path: "/api/tasks/:id/dependencies/:blocker",
    scope: "collaborator",
    run: ({ services, params, body }) => {
      const fromPath = { taskId: pathTaskId(params), blockerId: pathTaskId(params, "blocker") };
      return ok({ task: services.tasks.removeDependency(serviceInput<DependencyChange>(body, fromPath)) });
    },
  },
];
