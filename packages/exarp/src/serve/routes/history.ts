// The event log: reading it, and undoing a change (one's own as a collaborator, anyone's as an owner).
import { publicEvent } from "../../event/public.ts";
import { historyQuery, UndoRequest } from "../../history/service.ts";
import { parseInput } from "../../kernel/input.ts";
import { requireScope } from "../auth.ts";
import type { Param } from "../query.ts";
import { ok, type Route } from "../route.ts";

const HISTORY_PARAMS: Record<string, Param> = {
  task: { key: "taskId", kind: "text", field: historyQuery.shape.taskId },
  after: { key: "after", kind: "int", field: historyQuery.shape.after },
  limit: { key: "limit", kind: "int", field: historyQuery.shape.limit },
};

export const historyRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/history",
    scope: "viewer",
    query: HISTORY_PARAMS,
    run: ({ services, filter }) => ok({ events: services.history.list(filter).map(publicEvent) }),
  },
  {
    method: "POST",
    path: "/api/undo",
    scope: "collaborator",
    run: ({ services, principal, body }) => {
      const { seq } = parseInput(UndoRequest, body);
      // Without `seq` the service undoes the caller's own latest change; a named one may be anyone's.
      const author = seq === undefined ? undefined : services.history.event(seq)?.actor;
      if (author !== undefined && author !== principal.actor.name) requireScope(principal, "owner");
      return ok(services.history.undo({ seq }));
    },
  },
];
