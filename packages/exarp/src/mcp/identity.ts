import { z } from "zod";
import type { Exarp } from "../app/exarp.ts";
import { Assignee } from "../task/task.ts";

/** The services acting as one agent/session (what `exarp.as(actor)` returns). */
export type Services = ReturnType<Exarp["as"]>;

/** Who a call acts as, when not the server's own identity (`$EXARP_AGENT` / `$EXARP_SESSION`). */
export const As = z
  .strictObject({ agent: Assignee, session: Assignee.optional() })
  .describe("act as this agent/session instead of the server's");
export type As = z.output<typeof As>;

const MAX_CACHED = 64;

/** Resolves each call's identity to services, and renews the caller's leases on activity. */
export function createIdentity(exarp: Exarp) {
  // One set of services per identity, so the graph cache survives between calls.
  const cache = new Map<string, Services>();
  return {
    resolve(as: As | undefined): Services {
      if (!as) return exarp;
      const session = as.session ?? null;
      const key = `${as.agent}\u0000${session ?? ""}`;
      let services = cache.get(key);
      if (!services) {
        if (cache.size >= MAX_CACHED) cache.clear();
        services = exarp.as({ name: as.agent, session });
        cache.set(key, services);
      }
      return services;
    },

    /** Activity renewal: a call by a lease holder extends its leases past half their TTL. Never fails a call. */
    touch(services: Services, log: (line: string) => void): void {
      try {
        services.leases.touch();
      } catch (error) {
        log(`exarp mcp: lease renewal failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}

export type Identity = ReturnType<typeof createIdentity>;
