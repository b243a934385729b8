import type { Exarp } from "../app/exarp.ts";
import type { Actor } from "../identity/identity.ts";

/** The services acting as one identity and session (what `exarp.as(actor)` returns). */
export type Services = ReturnType<Exarp["as"]>;

/** The most identities whose services are kept; a new one beyond it drops the least recently used. */
const MAX_CACHED = 256;

/**
 * Services per actor, kept across requests. Building them is cheap (the graph cache, bus and watcher
 * belong to the process), keeping them saves even that on every request.
 */
export function createActorServices(exarp: Exarp): (actor: Actor) => Services {
  const cache = new Map<string, Services>();
  return (actor) => {
    const key = `${actor.name}\u0000${actor.session ?? ""}`;
    const cached = cache.get(key);
    if (cached) {
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const services = exarp.as(actor);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, services);
    return services;
  };
}
