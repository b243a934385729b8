import { defineError } from "./errors.ts";

/** A task, comment or event that does not exist. */
export const NotFound = defineError<{ kind: string; id: string }>("NotFound", (d) => `${d.kind} ${d.id} not found`);

/** A status change the workflow does not allow; names the moves that are allowed. */
export const InvalidTransition = defineError<{ id: string; from: string; to: string; allowed: string[] }>(
  "InvalidTransition",
  (d) =>
    `${d.id} cannot move from ${d.from} to ${d.to}; allowed from ${d.from}: ${d.allowed.length ? d.allowed.join(", ") : "none"}`,
);

/** A write that expected an older version of a task than the current one. */
export const VersionConflict = defineError<{ id: string; expected: number; actual: number }>(
  "VersionConflict",
  (d) => `${d.id} is at version ${d.actual}, not ${d.expected}: it changed since you read it; read it again and retry`,
);

/** A dependency that would make the graph cyclic; `cycle` starts and ends with the same id. */
export const CycleDetected = defineError<{ cycle: string[] }>(
  "CycleDetected",
  (d) => `that dependency would close a cycle: ${d.cycle.join(" → ")}`,
);

/**
 * Input that does not satisfy a schema; `issues` lists each problem as `path: message`, and
 * `fields` (when the input had fields) the same problems by field, so each edge can name them its
 * own way (the CLI says `--ttl`, not `ttlMs`).
 */
export const InvalidInput = defineError<{ issues: string[]; fields?: { path: string; message: string }[] }>(
  "InvalidInput",
  (d) => `invalid input: ${d.issues.join("; ")}`,
);

/** A command that is well-formed but refused by a rule (duplicate dependency, id taken, nothing to undo…). */
export const Refused = defineError<{ reason: string }>("Refused", (d) => d.reason);

/** The database file cannot be used: not SQLite, corrupt, or from a newer exarp. */
export const StorageError = defineError<{ path: string; reason: string }>(
  "StorageError",
  (d) => `cannot use ${d.path}: ${d.reason}`,
);

/** No `.exarp/` project where the command looked (or the folder given does not exist). */
export const NoProject = defineError<{ from: string; reason?: string }>(
  "NoProject",
  (d) => d.reason ?? `no exarp project in ${d.from} — run \`exarp init\``,
);

/** Another process holds the write lock: transient, retry later (HTTP 503, exit 5). */
export const Busy = defineError<{ waitedMs: number }>(
  "Busy",
  (d) =>
    `busy: another process is writing; retried for ${d.waitedMs >= 1000 ? `${Math.round(d.waitedMs / 100) / 10} s` : `${d.waitedMs} ms`}`,
);

/**
 * The database server cannot be reached, or the connection broke during a command: nothing was
 * applied (a commit whose answer was lost is checked against the log first). Transient: retry.
 */
export const Unavailable = defineError<{ server: string; reason: string }>(
  "Unavailable",
  (d) => `cannot reach the database at ${d.server}: ${d.reason}; retry when it is back`,
);

/** The disk (or the database's size limit) is full: the change was rolled back whole. */
export const DiskFull = defineError<{ path: string }>(
  "DiskFull",
  (d) => `disk full: the change was not saved (nothing lost); free space on the disk holding ${d.path} and retry`,
);

/** The task is leased by someone else; names the holder and until when. */
export const LeaseConflict = defineError<{ taskId: string; holder: string; expiresAt: number; token: number }>(
  "LeaseConflict",
  (d) =>
    `${d.taskId} is leased by ${d.holder} until ${new Date(d.expiresAt).toISOString()}; wait, or ask them to release it`,
);

/** A write carried a fencing token that is no longer the task's live lease. */
export const StaleLease = defineError<{ taskId: string; token: number; current: number | null }>(
  "StaleLease",
  (d) =>
    `your lease #${d.token} on ${d.taskId} is no longer valid (${d.current === null ? "it expired or was released" : `lease #${d.current} holds it now`}); claim the task again`,
);

/** Review → Done without an approve decision. */
export const ApprovalRequired = defineError<{ taskId: string; state: string }>(
  "ApprovalRequired",
  (d) =>
    `${d.taskId} needs a person's approval before it is done (${d.state === "none" ? "no request" : `request ${d.state.replace("_", " ")}`}); someone other than whoever asked for the review must approve it`,
);

/** The caller may not do this (approve their own work). */
export const Unauthorized = defineError<{ reason: string }>("Unauthorized", (d) => d.reason);
