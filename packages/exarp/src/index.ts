// The public API of the exarp core, listed by name: what the published library exports, and nothing
// else (one statement per module, in path order). Importing it loads zod for the schemas (the
// command line loads zod only for verbs that validate input; see kernel/zod.ts).
import { z } from "zod";
import { provideZod } from "./kernel/zod.ts";

provideZod(z);

export { actorFromEnv, osActor, osUserName } from "./app/actor.ts";
/** Extra checks `exarp doctor` runs, and what it reports. */
export type { DoctorCheck, DoctorExtension, DoctorReport } from "./app/doctor.ts";
/** Every service over one store; `exarp.as(actor)` gives the same `Services` acting as someone else. */
export { createExarp, type Exarp, type ExarpOptions, type Services } from "./app/exarp.ts";
/** Open (or create) the project of a folder: its store, settings and audit mirror, composed. */
export { initProject, openProject, type ProjectOptions } from "./app/project.ts";
/** Rebuild a lost or damaged database from the audit mirror. */
export { type RestoreResult, restoreProject } from "./app/restore.ts";
/** The Review → Done gate: `exarp.approvals`. */
export type {
  Approval,
  ApprovalOutcome,
  ApprovalState,
  ApproveRequest,
  DenyRequest,
  WaitRequest,
} from "./approval/approval.ts";
export type { PendingApproval } from "./approval/service.ts";
/** Lines of `.exarp/audit*.jsonl`: `exarp.auditTrail(filter)`. */
export type { AuditEntry, AuditFilter } from "./audit/read.ts";
/** In-process messages for every committed event, from any process: `exarp.bus`. */
export type { BusHandler, BusMessage } from "./bus/bus.ts";
export { type Clock, manualClock, systemClock } from "./clock.ts";
/** What an agent is told at the start of a turn: `exarp.context`. */
export {
  type ContextData,
  type ContextRole,
  type ContextTask,
  DEFAULT_CONTEXT_BUDGET,
  renderContext,
} from "./context/render.ts";
export type { ContextRequest } from "./context/service.ts";
/** Every expected failure is an ExarpError with a stable `name` and typed `data`; test with `X.is(error)`. */
export { defineError, type ErrorClass, ExarpError } from "./errors.ts";
/** The errors a caller can catch. */
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
  Unavailable,
  VersionConflict,
} from "./errors-catalog.ts";
/** The event log: what `exarp.history` and `exarp.feed` return. */
export type { EventType, NewEvent, PayloadOf, StoredEvent, StoredEventOf } from "./event/catalog.ts";
export { describeEvent } from "./event/describe.ts";
/** The fields around each event's payload: its place in the log, who recorded it, its hash chain link. */
export type { EventEnvelope } from "./event/envelope.ts";
/** The change feed: did anything change since a cursor, and what. */
export { createFeed, type Feed, type Watcher, type WatchOptions } from "./feed/feed.ts";
/** The dependency graph: `exarp.graph`. */
export type { CriticalPath } from "./graph/critical-path.ts";
export type { BlockerStep, Explanation } from "./graph/explain.ts";
export type { NextQuery, Plan, PlanGraph, PlanQuery, ReadyQuery, ReadyTask } from "./graph/service.ts";
export type { Unschedulable, Waves } from "./graph/waves.ts";
export type { HistoryQuery, UndoRequest, UndoResult } from "./history/service.ts";
export { createIds, type Ids } from "./id.ts";
/** Who acts: `user:…` for a person, `agent:…` for an agent (`agent:…/…` for a subagent). */
export {
  ActorName,
  actorKind,
  actorLabel,
  isPerson,
  isSubagent,
  PERSON_PREFIX,
  SUBAGENT_PREFIX,
} from "./identity/identity.ts";
/** Retries a write while another process holds the write lock. */
export { type BusyRetry, retryWhileBusy, SHORT_BUSY_TIMEOUT_MS } from "./kernel/busy.ts";
export type { Actor, ServiceContext } from "./kernel/context.ts";
/** Provides zod to the schemas (this entry does on import; `loadZod` when the caller can wait). */
export { loadZod, provideZod } from "./kernel/zod.ts";
/** Who works on what, until when: `exarp.leases`. */
export {
  type ClaimRequest,
  type ClaimResult,
  heldBy,
  holderName,
  type Lease,
  type LeaseRequest,
  liveLease,
} from "./lease/lease.ts";
export type { ClaimNextRequest, ClaimNextResult, LeaseView } from "./lease/service.ts";
/** Structured logs (`EXARP_LOG`, `EXARP_LOG_LEVEL`): OpenTelemetry records as JSON lines, scrubbed of secrets. */
export type { Logger } from "./log/logger.ts";
export { type OpenLoggerOptions, openLogger } from "./log/open.ts";
/** Desktop notifications (notify-send, osascript, a PowerShell toast): `createNotifier().notify({ title, body, urgency })`. */
export {
  type Notification,
  type NotificationCommand,
  type NotifyPlatform,
  notificationCommand,
  type Urgency,
} from "./notify/command.ts";
export {
  createNotifier,
  type Notifier,
  type NotifierOptions,
  type NotifyResult,
  type NotSentReason,
} from "./notify/notifier.ts";
export { findProjectRoot, initRoot, projectPaths, requireProjectRoot } from "./project/root.ts";
export { loadSettings, SETTINGS, type Settings } from "./project/settings.ts";
export type { RunnerTaskState } from "./runner/state.ts";
export type { TaskFilter } from "./store/queries/index.ts";
export { openStore } from "./store/sqlite.ts";
export type { Store, StoreOptions } from "./store/store.ts";
/** What `exarp.tasks` takes: each is a schema and the type of its input. */
export { CommentAdd, DependencyChange, StatusChange, TaskCreate, TaskEdit } from "./task/commands.ts";
export { canTransition, transitions } from "./task/status.ts";
export { type Comment, Priority, Status, type Task, type TaskDetail } from "./task/task.ts";
/** Text made safe to show to a model or a terminal. */
export { inline, neutralizeBlock, neutralizeLine, safeJson } from "./text/safe.ts";
/** Access tokens of `exarp serve`: `exarp.tokens`. */
export type { CreatedToken } from "./token/service.ts";
export { SCOPES, type Scope, scopeAllows, TokenCreate, TokenRevoke, type TokenView } from "./token/token.ts";
/** What `exarp.transfer.importText` reports. */
export type { ImportResult } from "./transfer/service.ts";
