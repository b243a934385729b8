import type { SqlDriver } from "../driver.ts";
import { createApprovalQueries } from "./approvals.ts";
import { createAuditQueries } from "./audit.ts";
import { createCommentQueries } from "./comments.ts";
import { createDependencyQueries } from "./dependencies.ts";
import { createEventQueries } from "./events.ts";
import { createLeaseQueries } from "./leases.ts";
import { createParentQueries } from "./parents.ts";
import { createReadyQueries } from "./ready.ts";
import { createSourceQueries } from "./sources.ts";
import { createTaskQueries } from "./tasks.ts";
import { createTokenQueries } from "./tokens.ts";

export type { EventFilter } from "./events.ts";
export { asSwept } from "./leases.ts";
export type { ReadyOptions } from "./ready.ts";
export type { ForeignMatch } from "./sources.ts";
export type { TaskFilter } from "./tasks.ts";

/** Read-only queries over the projections and the log. Used by the store and inside transactions. */
export function createQueries(db: SqlDriver) {
  const leases = createLeaseQueries(db);
  const dependencies = createDependencyQueries(db);
  const comments = createCommentQueries(db);
  const sources = createSourceQueries(db);
  return {
    ...createTokenQueries(db),
    ...createTaskQueries(db, { leases, dependencies, comments, sources }),
    ...sources,
    ...leases,
    ...dependencies,
    ...comments,
    ...createReadyQueries(db, leases),
    ...createApprovalQueries(db),
    ...createAuditQueries(db),
    ...createEventQueries(db),
    ...createParentQueries(db),
  };
}

export type Queries = ReturnType<typeof createQueries>;
