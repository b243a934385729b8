import { createApprovalService } from "../approval/service.ts";
import { createAuditMirror, createMachineMirror } from "../audit/mirror.ts";
import { type AuditEntry, type AuditFilter, readAudit, readAuditLog } from "../audit/read.ts";
import { createBus } from "../bus/bus.ts";
import type { Clock } from "../clock.ts";
import { createContextService } from "../context/service.ts";
import { createFeed } from "../feed/feed.ts";
import { createGraphCache, createGraphService, type GraphCache, graphDoctorCheck } from "../graph/service.ts";
import { createHistoryService } from "../history/service.ts";
import { createIds, type Ids } from "../id.ts";
import type { Actor, ServiceContext } from "../kernel/context.ts";
import { createLeaseService } from "../lease/service.ts";
import { createRunsService } from "../runner/service.ts";
import { createSprintService } from "../sprint/service.ts";
import type { Store } from "../store/store.ts";
import { createTaskService } from "../task/service.ts";
import { createTokenService } from "../token/service.ts";
import { createTransferService } from "../transfer/service.ts";
import { actorFromEnv, parseActorName, parseSessionId } from "./actor.ts";
import { type DoctorExtension, type DoctorReport, runDoctor } from "./doctor.ts";

export type ExarpOptions = {
  store: Store;
  clock?: Clock;
  ids?: Ids;
  /** Who acts by default; `exarp.as(actor)` gives the same services for someone else. */
  actor?: Actor;
  /** Folder of the audit mirror (`.exarp/`); none when absent. */
  auditDir?: string;
  /** Rotation size of the audit mirror (setting `audit.maxBytes`). */
  auditMaxBytes?: number;
  /** Lease length for claims that do not give one (default 15 min). */
  leaseTtlMs?: number;
  doctorExtensions?: DoctorExtension[];
  /** Where non-fatal problems go (audit damage repaired, unknown settings); default process warnings. */
  warn?: (message: string) => void;
};

/** An identity checked with the one schema every entry point uses (a library caller included). */
function checkedActor(actor: Actor): Actor {
  return {
    name: parseActorName(actor.name, "identity"),
    session: actor.session === null ? null : parseSessionId(actor.session, "session"),
  };
}

function createServices(ctx: ServiceContext, leaseTtlMs: number | undefined, graphs: GraphCache) {
  const leases = createLeaseService(ctx, leaseTtlMs);
  const graph = createGraphService(ctx, graphs);
  return {
    actor: ctx.actor,
    tasks: createTaskService(ctx),
    graph,
    context: createContextService(ctx, graph),
    leases,
    approvals: createApprovalService(ctx),
    history: createHistoryService(ctx),
    transfer: createTransferService(ctx),
    tokens: createTokenService(ctx),
    sprints: createSprintService(ctx, graph),
    runs: createRunsService(ctx, leaseTtlMs),
  };
}

/** The most identities whose services `as` keeps; one more drops the least recently used. */
const MAX_ACTORS = 256;

/** Services built once per identity and session, least recently used dropped past MAX_ACTORS. */
function servicesPerActor<S>(build: (actor: Actor) => S): (actor: Actor) => S {
  const kept = new Map<string, S>();
  return (actor) => {
    const key = `${actor.name}\u0000${actor.session ?? ""}`;
    const found = kept.get(key);
    if (found !== undefined) {
      kept.delete(key);
      kept.set(key, found);
      return found;
    }
    const services = build(actor);
    if (kept.size >= MAX_ACTORS) kept.delete(kept.keys().next().value as string);
    kept.set(key, services);
    return services;
  };
}

/** Every exarp service over one store: the single composition root all entry points use. */
export function createExarp(options: ExarpOptions) {
  const { store } = options;
  const ids = options.ids ?? createIds();
  const feed = createFeed(store);
  // Times are whole milliseconds wherever they are stored, whatever clock a caller gives.
  const given = options.clock ?? store.clock;
  const clock: Clock = { now: () => Math.floor(given.now()) };
  // Drawn on first use (the first write, or a bus message): drawing it loads node:crypto, which a read never needs.
  let origin: string | undefined;
  const base: ServiceContext = {
    store,
    // Over PostgreSQL the store's clock is the server's: leases and timeouts agree across machines.
    clock,
    ids,
    get origin() {
      origin ??= ids.origin();
      return origin;
    },
    actor: options.actor ? checkedActor(options.actor) : actorFromEnv(),
    feed,
    watchDir: options.auditDir,
  };
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  // The mirror is written inside each write transaction; opening a project and reading never touch it.
  // Over PostgreSQL the mirror is this machine's own copy (setting audit.mirror), kept apart from the shared database.
  if (options.auditDir)
    store.participate(
      (store.backend === "postgres" ? createMachineMirror : createAuditMirror)(options.auditDir, {
        maxBytes: options.auditMaxBytes,
        warn,
      }),
    );
  const bus = createBus({
    store,
    feed,
    get origin() {
      return base.origin;
    },
    watchDir: options.auditDir,
    report: warn,
  });
  // One graph cache for the process: acting as another identity costs no rebuild.
  const graphs = createGraphCache(store, feed);
  const asActor = servicesPerActor((actor) =>
    createServices({ ...base, actor: checkedActor(actor) }, options.leaseTtlMs, graphs),
  );
  return {
    ...createServices(base, options.leaseTtlMs, graphs),
    store,
    feed,
    bus,
    get origin() {
      return base.origin;
    },
    /**
     * The same services acting as someone else (the server's tokens, MCP's per-call identity, the
     * plugin's sessions); kept per identity and session, so asking again costs a lookup.
     */
    as: asActor,
    /**
     * Audit lines, filtered: from `.exarp/audit*.jsonl` (lines that are not audit lines are skipped
     * and reported), or over PostgreSQL from the database's log, which every machine shares.
     */
    auditTrail: (filter: AuditFilter = {}): AuditEntry[] =>
      store.backend === "postgres"
        ? readAuditLog(store, filter)
        : options.auditDir
          ? readAudit(options.auditDir, filter, warn)
          : [],
    doctor: (): DoctorReport =>
      runDoctor(store, options.auditDir, [graphDoctorCheck, ...(options.doctorExtensions ?? [])]),
    close: () => {
      bus.close();
      store.close();
    },
  };
}

export type Exarp = ReturnType<typeof createExarp>;

/** The services acting as one identity and session (what `exarp.as(actor)` returns). */
export type Services = ReturnType<Exarp["as"]>;
