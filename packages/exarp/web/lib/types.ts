// The API's shapes, taken from the core's own types so the page and the server cannot drift apart.
import type { PendingApproval } from "../../src/approval/service.ts";
import type { EventType, NewEvent } from "../../src/event/catalog.ts";
import type { EventEnvelope } from "../../src/event/envelope.ts";
import type { Explanation } from "../../src/graph/explain.ts";
import type { Dependency } from "../../src/graph/graph.ts";
import type { Plan, PlanGraph } from "../../src/graph/service.ts";
import type { Lease } from "../../src/lease/lease.ts";
import type { LeaseView } from "../../src/lease/service.ts";
import type { RunView } from "../../src/serve/routes/runs.ts";
import type { Priority, Status, Task, TaskDetail } from "../../src/task/task.ts";
import type { Scope } from "../../src/token/token.ts";

export type {
  Dependency,
  EventType,
  Explanation,
  Lease,
  LeaseView,
  PendingApproval,
  Plan,
  PlanGraph,
  Priority,
  RunView,
  Scope,
  Status,
  Task,
  TaskDetail,
};

/** Who is logged in: `GET /api/session` and `POST /api/session`. */
export type Session = { identity: string; scope: Scope; name: string; csrf: string };

/** One message of `/api/events` (and, with more fields, one row of `/api/history`). */
export type StreamEvent = NewEvent & Pick<EventEnvelope, "seq" | "actor" | "session" | "time">;
