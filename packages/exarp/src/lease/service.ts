import { firstReady, NextQuery, type ReadyTask, readyCandidates } from "../graph/service.ts";
import { checkWriter, runCommand, type ServiceContext } from "../kernel/context.ts";
import { parseInput } from "../kernel/input.ts";
import { lazy, type z } from "../kernel/zod.ts";
import type { Tx } from "../store/store.ts";
import { requireTask } from "../task/require.ts";
import type { Task } from "../task/task.ts";
import { decideClaim, decideRelease, decideRenew } from "./decide.ts";
import {
  ClaimRequest,
  type ClaimResult,
  DEFAULT_LEASE_TTL_MS,
  heldBy,
  type Lease,
  LeaseRequest,
  liveLease,
} from "./lease.ts";

/** Ready-and-claim in one go: the best ready task this agent can do, leased to it. */
export const ClaimNextRequest = lazy(() => NextQuery.extend({ ttlMs: ClaimRequest.shape.ttlMs }));
export type ClaimNextRequest = z.input<typeof ClaimNextRequest>;

export type ClaimNextResult =
  | ({ acquired: true; renewed: boolean; lease: Lease } & { task: ReadyTask })
  | { acquired: false };

/** A lease as `leases` lists it: live, or expired and waiting for a sweep. */
export type LeaseView = Lease & { live: boolean; title: string };

/** Leases: claim (exactly one of many racing claimants wins), renew, release, sweep. */
export function createLeaseService(ctx: ServiceContext, ttlMs = DEFAULT_LEASE_TTL_MS) {
  const now = () => ctx.clock.now();

  const claimIn = (tx: Tx, task: Task, ttl: number, at: number): ClaimResult => {
    const decision = decideClaim(task, tx.lease(task.id), tx.openBlockerIds(task.id), ctx.actor, at, ttl);
    tx.append(decision.events);
    if (decision.outcome === "held") return { acquired: false, holder: decision.holder };
    return { acquired: true, renewed: decision.outcome === "renewed", lease: tx.lease(task.id) as Lease };
  };

  return {
    /** Sweeps expired leases now (every write does it on the way anyway); returns the leases it ended. */
    sweep(): Lease[] {
      // A write verb: refused to a sub-agent even when there is nothing to sweep, so the answer never depends on the clock.
      checkWriter(ctx.actor);
      const at = now();
      if (!ctx.store.hasExpiredLeases(at)) return [];
      const before = new Map(ctx.store.expiredLeases(at).map((l) => [l.token, l]));
      const { events } = runCommand(ctx, () => undefined);
      return events.flatMap((e) => (e.type === "lease.expired" ? [before.get(e.payload.token) as Lease] : []));
    },

    /** Claims a task: `{acquired: true, lease}` for the winner, `{acquired: false, holder}` for everyone else. */
    claim(request: ClaimRequest): ClaimResult {
      const { taskId, ttlMs: ttl } = parseInput(ClaimRequest, request);
      // A live lease held by someone else stays theirs until it expires: the store says so without
      // queueing for the write lock (a race lost a moment ago is the same answer), also when this
      // claim meets another one in flight and loses.
      const decide = (tx: Tx) => claimIn(tx, requireTask(tx, taskId), ttl ?? ttlMs, now());
      return runCommand(ctx, decide, {
        claim: { taskId, agent: ctx.actor.name, session: ctx.actor.session, now: now() },
        whenHeld: (holder) =>
          // The other claim ended without a lease (it failed): decided under the write lock after all.
          holder ? { result: { acquired: false as const, holder }, events: [] } : runCommand(ctx, decide),
      }).result;
    },

    /** The best ready task this agent can do, claimed in the same transaction; never one someone holds. */
    claimNext(request: ClaimNextRequest = {}): ClaimNextResult {
      const { can, tags, ttlMs: ttl } = parseInput(ClaimNextRequest, request);
      checkWriter(ctx.actor);
      const leasedFor = (at: number) => ({ agent: ctx.actor.name, session: ctx.actor.session, now: at });
      // The candidates, read without the write lock. Nothing ready now: the answer, without a write.
      const candidates = readyCandidates(ctx.store, { tags, can }, leasedFor(now()));
      if (!candidates.length) return { acquired: false };
      return runCommand(
        ctx,
        (tx): ClaimNextResult => {
          const at = now();
          // The candidate no one else was claiming, if it is still ready; else the best one now.
          const picked = tx.picked();
          const ready =
            (picked && readyCandidates(tx, { tags, can, id: picked }, leasedFor(at))[0]) ||
            firstReady(tx, { tags, can }, leasedFor(at));
          if (!ready) return { acquired: false };
          const result = claimIn(tx, ready, ttl ?? ttlMs, at);
          // The task as the claim left it (in progress), with how much work it unblocks.
          const task = { ...(tx.task(ready.id) as Task), unblocks: ready.unblocks };
          return result.acquired ? { ...result, task } : { acquired: false };
        },
        { firstFree: candidates.map((t) => t.id), now: now() },
      ).result;
    },

    /** Extends the caller's live lease (default by the standard TTL). */
    renew(request: LeaseRequest): Lease {
      const { taskId, ttlMs: ttl } = parseInput(LeaseRequest, request);
      return runCommand(ctx, (tx) => {
        requireTask(tx, taskId);
        tx.append(decideRenew(taskId, tx.lease(taskId), ctx.actor, now(), ttl ?? ttlMs));
        return tx.lease(taskId) as Lease;
      }).result;
    },

    /** Ends the caller's lease (`force`: someone else's, recorded as forced); returns the lease that ended. */
    release(request: LeaseRequest): Lease {
      const { taskId, force } = parseInput(LeaseRequest, request);
      return runCommand(ctx, (tx) => {
        requireTask(tx, taskId);
        const lease = tx.lease(taskId);
        tx.append(decideRelease(taskId, lease, ctx.actor, now(), force ?? false));
        return lease as Lease;
      }).result;
    },
    /**
     * Activity renewal: extends the caller's live leases that are past half their TTL, so a working
     * agent never loses its task and an idle one does (at most two renewals per TTL, not one per call).
     */
    touch(): Lease[] {
      const at = now();
      const due = ctx.store
        .leases()
        .filter((l) => heldBy(l, ctx.actor) && liveLease(l, at) && l.expiresAt - at < ttlMs / 2);
      if (!due.length) return [];
      return runCommand(ctx, (tx) =>
        due.flatMap((l) => {
          const current = liveLease(tx.lease(l.taskId), at);
          if (!current || !heldBy(current, ctx.actor)) return [];
          tx.append(decideRenew(l.taskId, current, ctx.actor, at, ttlMs));
          return [tx.lease(l.taskId) as Lease];
        }),
      ).result;
    },

    /** Who holds what, until when (expired leases not yet swept are marked). */
    list(): LeaseView[] {
      const at = now();
      return ctx.store
        .leases()
        .map((l) => ({ ...l, live: liveLease(l, at) !== undefined, title: ctx.store.task(l.taskId)?.title ?? "" }));
    },

    /** The leases held by the caller. */
    mine(): Lease[] {
      const at = now();
      return ctx.store.leases().filter((l) => heldBy(l, ctx.actor) && liveLease(l, at));
    },
  };
}

export type LeaseService = ReturnType<typeof createLeaseService>;
