// The public API of the exarp core, listed by name. Importing it loads zod for the schemas (the
// command line loads zod only for verbs that validate input; see kernel/zod.ts).
import { z } from "zod";
import { provideZod } from "./kernel/zod.ts";

provideZod(z);

export { actorFromEnv, osActor, osUserName } from "./app/actor.ts";
export type { DoctorCheck, DoctorExtension, DoctorReport } from "./app/doctor.ts";
export { createExarp, type Exarp, type ExarpOptions } from "./app/exarp.ts";
export { initProject, openProject, type ProjectOptions } from "./app/project.ts";
export { type RestoreResult, restoreProject } from "./app/restore.ts";
export type { Approval, ApprovalOutcome } from "./approval/approval.ts";
export type { BusMessage } from "./bus/bus.ts";
export { type Clock, manualClock, systemClock } from "./clock.ts";
export {
  type ContextData,
  type ContextRole,
  type ContextTask,
  DEFAULT_CONTEXT_BUDGET,
  renderContext,
} from "./context/render.ts";
export { defineError, ExarpError } from "./errors.ts";
export {
  ApprovalRequired,
  Busy,
  CycleDetected,
  DiskFull,
  InvalidInput,
  InvalidTransition,
  LeaseConflict,
  NoProject,
  NotFound,
  Refused,
  StaleLease,
  StorageError,
  Unauthorized,
  VersionConflict,
} from "./errors-catalog.ts";
export type { EventType, NewEvent, PayloadOf, StoredEvent } from "./event/catalog.ts";
export { describeEvent } from "./event/describe.ts";
export { createFeed, type Feed, type Watcher, type WatchOptions } from "./feed/feed.ts";
export { createIds, type Ids } from "./id.ts";
export {
  ActorName,
  actorKind,
  actorLabel,
  isPerson,
  isSubagent,
  PERSON_PREFIX,
  SUBAGENT_PREFIX,
} from "./identity/identity.ts";
export { type BusyRetry, retryWhileBusy, SHORT_BUSY_TIMEOUT_MS } from "./kernel/busy.ts";
export type { Actor, ServiceContext } from "./kernel/context.ts";
export { loadZod, provideZod } from "./kernel/zod.ts";
export { heldBy, holderName, type Lease, liveLease } from "./lease/lease.ts";
export { findProjectRoot, initRoot, projectPaths, requireProjectRoot } from "./project/root.ts";
export { loadSettings, SETTINGS, type Settings } from "./project/settings.ts";
export type { TaskFilter } from "./store/queries.ts";
export { openStore, type Store, type StoreOptions } from "./store/store.ts";
export { CommentAdd, DependencyChange, StatusChange, TaskCreate, TaskEdit } from "./task/commands.ts";
export { canTransition, transitions } from "./task/status.ts";
export { type Comment, Priority, Status, type Task, type TaskDetail } from "./task/task.ts";
export { inline, neutralizeBlock, neutralizeLine, safeJson } from "./text/safe.ts";
export type { CreatedToken } from "./token/service.ts";
export { SCOPES, type Scope, scopeAllows, TokenCreate, TokenRevoke, type TokenView } from "./token/token.ts";
