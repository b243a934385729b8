import { hostname, userInfo } from "node:os";
import { createApprovalService } from "../approval/service.ts";
import { type AuditMirror, createAuditMirror } from "../audit/mirror.ts";
import { type AuditEntry, type AuditFilter, readAudit } from "../audit/read.ts";
import { createBus } from "../bus/bus.ts";
import { type Clock, systemClock } from "../clock.ts";
import { createContextService } from "../context/service.ts";
import { StorageError } from "../errors-catalog.ts";
import { createFeed } from "../feed/feed.ts";
import { createGraphService, graphDoctorCheck } from "../graph/service.ts";
import { createHistoryService } from "../history/service.ts";
import { createIds, type Ids } from "../id.ts";
import { createLeaseService } from "../lease/service.ts";
import { ensureProjectDir } from "../project/root.ts";
import { isSqliteError } from "../store/driver.ts";
import { openStore, type Store, type StoreOptions } from "../store/store.ts";
import { createTaskService } from "../task/service.ts";
import { createTransferService } from "../transfer/service.ts";
import type { Actor, ServiceContext } from "./context.ts";
import { type DoctorExtension, type DoctorReport, runDoctor } from "./doctor.ts";

export type ExarpOptions = {
  store: Store;
  clock?: Clock;
  ids?: Ids;
  /** Who acts by default; `exarp.as(actor)` gives the same services for someone else. */
  actor?: Actor;
  /** Folder of the audit mirror (`.exarp/`); none when absent. */
  auditDir?: string;
  auditMaxBytes?: number;
  /** Lease length for claims that do not give one (default 15 min). */
  leaseTtlMs?: number;
  doctorExtensions?: DoctorExtension[];
  /** Where non-fatal problems go (an audit file that cannot be written); default process warnings. */
  warn?: (message: string) => void;
};

/** The identity of whoever runs this process: `$EXARP_AGENT`/`$EXARP_SESSION`, else the OS user. */
export function actorFromEnv(env: NodeJS.ProcessEnv = process.env): Actor {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    user = env.USER ?? hostname();
  }
  return { name: env.EXARP_AGENT || env.EXARP_ACTOR || `user:${user}`, session: env.EXARP_SESSION || null };
}

function createServices(ctx: ServiceContext, leaseTtlMs: number | undefined) {
  const leases = createLeaseService(ctx, leaseTtlMs);
  const graph = createGraphService(ctx, leases.sweep);
  return {
    actor: ctx.actor,
    tasks: createTaskService(ctx),
    graph,
    context: createContextService(ctx, graph),
    leases,
    approvals: createApprovalService(ctx),
    history: createHistoryService(ctx),
    transfer: createTransferService(ctx),
  };
}

/** Every exarp service over one store: the single composition root all entry points use. */
export function createExarp(options: ExarpOptions) {
  const { store } = options;
  const ids = options.ids ?? createIds();
  const feed = createFeed(store);
  const base: ServiceContext = {
    store,
    clock: options.clock ?? systemClock,
    ids,
    origin: ids.origin(),
    actor: options.actor ?? actorFromEnv(),
    feed,
    watchDir: options.auditDir,
  };
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  let audit: AuditMirror | undefined;
  if (options.auditDir) {
    const mirror = createAuditMirror(store, options.auditDir, options.auditMaxBytes);
    const sync = () => {
      try {
        mirror.sync();
      } catch (error) {
        // A database that fails here is unusable: say so. A file-system failure only delays the mirror.
        if (isSqliteError(error)) throw new StorageError({ path: store.path, reason: (error as Error).message });
        warn(`audit mirror not updated: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    sync();
    store.onCommit(sync);
    audit = mirror;
  }
  const bus = createBus({ store, feed, origin: base.origin, watchDir: options.auditDir, report: warn });
  return {
    ...createServices(base, options.leaseTtlMs),
    store,
    feed,
    bus,
    audit,
    origin: base.origin,
    /** The same services acting as someone else (MCP per-call identity, tests). */
    as: (actor: Actor) => createServices({ ...base, actor }, options.leaseTtlMs),
    /** Audit lines from `.exarp/audit*.jsonl`, filtered; empty without an audit folder. */
    auditTrail: (filter: AuditFilter = {}): AuditEntry[] =>
      options.auditDir ? readAudit(options.auditDir, filter) : [],
    doctor: (): DoctorReport =>
      runDoctor(store, options.auditDir, [graphDoctorCheck, ...(options.doctorExtensions ?? [])]),
    close: () => {
      bus.close();
      store.close();
    },
  };
}

export type Exarp = ReturnType<typeof createExarp>;

/** Opens the project at `root` (creating `.exarp/` if needed) with the audit mirror beside the database. */
export function openProject(
  root: string,
  options: Omit<ExarpOptions, "store" | "auditDir"> & StoreOptions = {},
): Exarp {
  const paths = ensureProjectDir(root);
  const store = openStore(paths.db, options);
  try {
    return createExarp({ ...options, store, auditDir: paths.dir });
  } catch (error) {
    store.close();
    throw error;
  }
}
