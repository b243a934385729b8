import type { Clock } from "../clock.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Feed } from "../feed/feed.ts";
import type { Ids } from "../id.ts";
import type { Store, Tx } from "../store/store.ts";

/** Who acts: an agent or person, and (for agents) the session doing the work. */
export type Actor = { name: string; session: string | null };

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

/** Runs one command as the context's actor; returns its result and the events it committed. */
export function runCommand<T>(ctx: ServiceContext, decide: (tx: Tx) => T): { result: T; events: StoredEvent[] } {
  return ctx.store.transact(
    { actor: ctx.actor.name, session: ctx.actor.session, origin: ctx.origin, time: ctx.clock.now() },
    decide,
  );
}
