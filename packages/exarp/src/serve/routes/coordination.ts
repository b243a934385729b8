// Coordination: leases (claim, renew, release, sweep), ready work, the plan, and the approval gate.

import type { ApproveRequest, DenyRequest } from "../../approval/approval.ts";
import { planQuery, readyQuery } from "../../graph/service.ts";
import { parseInput } from "../../kernel/input.ts";
import { type ClaimRequest, LeaseRequest } from "../../lease/lease.ts";
import type { ClaimNextRequest } from "../../lease/service.ts";
import { requireScope } from "../auth.ts";
import type { Param } from "../query.ts";
import { ok, pathTaskId, type Route, requireEmpty, serviceInput } from "../route.ts";

const READY_PARAMS: Record<string, Param> = {
  tag: { key: "tags", kind: "list", field: readyQuery.shape.tags },
  limit: { key: "limit", kind: "int", field: readyQuery.shape.limit },
};
const PLAN_PARAMS: Record<string, Param> = { cap: { key: "cap", kind: "int", field: planQuery.shape.cap } };

export const coordinationRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/tasks/:id/claim",
    scope: "collaborator",
    run: ({ services, params, body }) =>
      ok(services.leases.claim(serviceInput<ClaimRequest>(body, { taskId: pathTaskId(params) }))),
  },
  {
    method: "POST",
    path: "/api/tasks/:id/renew",
    scope: "collaborator",
    run: ({ services, params, body }) =>
      ok({ lease: services.leases.renew(serviceInput<LeaseRequest>(body, { taskId: pathTaskId(params) })) }),
  },
  {
    method: "POST",
    path: "/api/tasks/:id/release",
    scope: "collaborator",
    run: ({ services, principal, params, body }) => {
      const request = parseInput(LeaseRequest, serviceInput<unknown>(body, { taskId: pathTaskId(params) }));
      // Breaking someone else's lease overrides their claim: an owner's call.
      if (request.force) requireScope(principal, "owner");
      return ok({ lease: services.leases.release(request) });
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/approve",
    scope: "owner",
    run: ({ services, params, body }) =>
      ok({ task: services.approvals.approve(serviceInput<ApproveRequest>(body, { taskId: pathTaskId(params) })) }),
  },
  {
    method: "POST",
    path: "/api/tasks/:id/deny",
    scope: "owner",
    run: ({ services, params, body }) =>
      ok({ task: services.approvals.deny(serviceInput<DenyRequest>(body, { taskId: pathTaskId(params) })) }),
  },
  {
    method: "GET",
    path: "/api/ready",
    scope: "viewer",
    query: READY_PARAMS,
    run: ({ services, filter }) => ok({ tasks: services.graph.ready(filter) }),
  },
  {
    method: "POST",
    path: "/api/ready/claim",
    scope: "collaborator",
    run: ({ services, body }) => ok(services.leases.claimNext(serviceInput<ClaimNextRequest>(body))),
  },
  {
    method: "GET",
    path: "/api/plan",
    scope: "viewer",
    query: PLAN_PARAMS,
    run: ({ services, filter }) => ok(services.graph.planGraph(filter)),
  },
  {
    method: "GET",
    path: "/api/leases",
    scope: "viewer",
    run: ({ services }) => ok({ leases: services.leases.list() }),
  },
  {
    method: "POST",
    path: "/api/sweep",
    scope: "collaborator",
    run: ({ services, body }) => {
      requireEmpty(body);
      return ok({ expired: services.leases.sweep() });
    },
  },
  {
    method: "GET",
    path: "/api/approvals",
    scope: "viewer",
    run: ({ services }) => ok({ pending: services.approvals.pending() }),
  },
];
