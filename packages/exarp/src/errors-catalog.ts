import { z } from "zod";
import { defineError } from "./errors.ts";

/** A task, comment or event that does not exist. */
export const NotFound = defineError(
  "NotFound",
  z.object({ kind: z.string(), id: z.string() }),
  (d) => `${d.kind} ${d.id} not found`,
);

/** A status change the workflow does not allow; names the moves that are allowed. */
export const InvalidTransition = defineError(
  "InvalidTransition",
  z.object({ id: z.string(), from: z.string(), to: z.string(), allowed: z.array(z.string()) }),
  (d) =>
    `${d.id} cannot move from ${d.from} to ${d.to}; allowed from ${d.from}: ${d.allowed.length ? d.allowed.join(", ") : "none"}`,
);

/** A write that expected an older version of a task than the current one. */
export const VersionConflict = defineError(
  "VersionConflict",
  z.object({ id: z.string(), expected: z.number(), actual: z.number() }),
  (d) => `${d.id} is at version ${d.actual}, not ${d.expected}: it changed since you read it; read it again and retry`,
);

/** A dependency that would make the graph cyclic; `cycle` starts and ends with the same id. */
export const CycleDetected = defineError(
  "CycleDetected",
  z.object({ cycle: z.array(z.string()) }),
  (d) => `that dependency would close a cycle: ${d.cycle.join(" → ")}`,
);

/** Input that does not satisfy a schema; `issues` lists each problem as `path: message`. */
export const InvalidInput = defineError(
  "InvalidInput",
  z.object({ issues: z.array(z.string()) }),
  (d) => `invalid input: ${d.issues.join("; ")}`,
);

/** A command that is well-formed but refused by a rule (duplicate dependency, id taken, nothing to undo…). */
export const Refused = defineError("Refused", z.object({ reason: z.string() }), (d) => d.reason);

/** The database file cannot be used: not SQLite, corrupt, or from a newer exarp. */
export const StorageError = defineError(
  "StorageError",
  z.object({ path: z.string(), reason: z.string() }),
  (d) => `cannot use ${d.path}: ${d.reason}`,
);

/** No `.exarp/` project was found from the working directory upward. */
export const NoProject = defineError(
  "NoProject",
  z.object({ from: z.string() }),
  (d) => `no exarp project found from ${d.from} upward; run \`exarp init\` in the project root`,
);

/** The task is leased by someone else; names the holder and until when. */
export const LeaseConflict = defineError(
  "LeaseConflict",
  z.object({ taskId: z.string(), holder: z.string(), expiresAt: z.number(), token: z.number() }),
  (d) =>
    `${d.taskId} is leased by ${d.holder} until ${new Date(d.expiresAt).toISOString()}; wait, or ask them to release it`,
);

/** A write carried a fencing token that is no longer the task's live lease. */
export const StaleLease = defineError(
  "StaleLease",
  z.object({ taskId: z.string(), token: z.number(), current: z.number().nullable() }),
  (d) =>
    `your lease #${d.token} on ${d.taskId} is no longer valid (${d.current === null ? "it expired or was released" : `lease #${d.current} holds it now`}); claim the task again`,
);

/** Review → Done without an approve decision. */
export const ApprovalRequired = defineError(
  "ApprovalRequired",
  z.object({ taskId: z.string(), state: z.string() }),
  (d) =>
    `${d.taskId} needs approval from someone other than its requester before it is done (${d.state === "none" ? "no request" : `request ${d.state.replace("_", " ")}`}): \`exarp approve ${d.taskId}\``,
);

/** The caller may not do this (approve their own work). */
export const Unauthorized = defineError("Unauthorized", z.object({ reason: z.string() }), (d) => d.reason);
