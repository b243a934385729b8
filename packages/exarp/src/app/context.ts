import type { Clock } from "../clock.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Ids } from "../id.ts";
import type { Store, Tx } from "../store/store.ts";
import type { Status, Task } from "../task/task.ts";

/** Who acts: an agent or person, and (for agents) the session doing the work. */
export type Actor = { name: string; session: string | null };

/**
 * A rule consulted before a status change is decided; throws to refuse. The approval gate and
 * lease checks plug in here, so the status machine itself stays pure.
 */
export type TransitionGuard = (change: { tx: Tx; task: Task; to: Status; actor: Actor }) => void;

/** What every service shares. */
export type ServiceContext = {
  store: Store;
  clock: Clock;
  ids: Ids;
  origin: string;
  actor: Actor;
  guards: TransitionGuard[];
};

/** Runs one command as the context's actor; returns its result and the events it committed. */
export function runCommand<T>(ctx: ServiceContext, decide: (tx: Tx) => T): { result: T; events: StoredEvent[] } {
  return ctx.store.transact(
    { actor: ctx.actor.name, session: ctx.actor.session, origin: ctx.origin, time: ctx.clock.now() },
    decide,
  );
}
