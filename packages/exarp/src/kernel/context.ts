import type { Clock } from "../clock.ts";
import { Refused } from "../errors-catalog.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Feed } from "../feed/feed.ts";
import type { Ids } from "../id.ts";
import { type Actor, isSubagent } from "../identity/identity.ts";
import { decideSweep } from "../lease/decide.ts";
import type { Lease } from "../lease/lease.ts";
import type { Contention, Store, Sync, Tx } from "../store/store.ts";

export type { Actor };

/** What every service shares. */
export type ServiceContext = {
  store: Store;
  clock: Clock;
  ids: Ids;
  origin: string;
  actor: Actor;
  feed: Feed;
  /** The folder to watch for other processes' commits (`.exarp/`), when there is one. */
  watchDir: string | undefined;
};

/** Ends every expired lease inside `tx` (`lease.expired`; in-progress tasks back to todo); returns them. */
export function sweepExpired(tx: Tx, now: number): Lease[] {
  const expired = tx.expiredLeases(now);
  if (expired.length) tx.append(decideSweep(expired.map((lease) => ({ lease, task: tx.task(lease.taskId) }))));
  return expired;
}

/** Refuses a sub-agent identity: every write path checks this, even one with nothing to do or one that bypasses runCommand. */
export function checkWriter(actor: Actor): void {
  if (isSubagent(actor)) {
    throw new Refused({
      reason: `${actor.name} is a sub-agent: sub-agents read tasks but change nothing; report to the primary agent`,
    });
  }
}

/**
 * Runs one command as the context's actor, in one transaction. First, expired leases are swept as a
 * command of their own, so the command decides on exactly the state every read showed (reads treat
 * expired leases as already swept). Sub-agent identities never write. `contention`: see Store.transact.
 */
export function runCommand<T>(
  ctx: ServiceContext,
  decide: (tx: Tx) => Sync<T>,
  contention?: Contention<T>,
): { result: T; events: StoredEvent[] } {
  checkWriter(ctx.actor);
  const now = ctx.clock.now();
  return ctx.store.transact<T>(
    { actor: ctx.actor.name, session: ctx.actor.session, origin: ctx.origin, time: now },
    (tx) => {
      sweepExpired(tx, now);
      tx.newCommand();
      return decide(tx);
    },
    contention,
  );
}
