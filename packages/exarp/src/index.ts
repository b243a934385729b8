// The public API of the exarp core, listed by name.
export type { Actor, ServiceContext } from "./app/context.ts";
export type { DoctorCheck, DoctorExtension, DoctorReport } from "./app/doctor.ts";
export { actorFromEnv, createExarp, type Exarp, type ExarpOptions, openProject } from "./app/exarp.ts";
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
  CycleDetected,
  InvalidInput,
  InvalidTransition,
  NoProject,
  NotFound,
  Refused,
  StorageError,
  VersionConflict,
} from "./errors-catalog.ts";
export type { EventType, NewEvent, PayloadOf, StoredEvent } from "./event/catalog.ts";
export { describeEvent } from "./event/describe.ts";
export { createFeed, type Feed, type Watcher, type WatchOptions } from "./feed/feed.ts";
export { createIds, type Ids } from "./id.ts";
export { heldBy, holderName, type Lease, liveLease } from "./lease/lease.ts";
export { findProjectRoot, projectPaths, requireProjectRoot } from "./project/root.ts";
export type { TaskFilter } from "./store/queries.ts";
export { openStore, type Store, type StoreOptions } from "./store/store.ts";
export { CommentAdd, DependencyChange, StatusChange, TaskCreate, TaskEdit } from "./task/commands.ts";
export { canTransition, transitions } from "./task/status.ts";
export { type Comment, Priority, Status, type Task, type TaskDetail } from "./task/task.ts";
