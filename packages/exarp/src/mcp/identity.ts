import type { Exarp, Services } from "../app/exarp.ts";
import { type Actor, ActorName, isPerson, SessionId } from "../identity/identity.ts";
import { retryWhileBusy } from "../kernel/busy.ts";
import { lazy, z } from "../kernel/zod.ts";
import { AS_TEXT, REFUSAL_TEXT } from "./prompts.ts";

/**
 * Who a call acts as, when not the server's own identity: the core's identity schema, naming an
 * agent or a sub-agent (whose writes the core refuses), never a person.
 */
export const As = lazy(() =>
  z
    .strictObject({
      agent: ActorName.refine((name) => !isPerson({ name }), { error: REFUSAL_TEXT.personAs }),
      session: SessionId.optional(),
    })
    .describe(AS_TEXT),
);
export type As = z.output<typeof As>;

/** The identity `exarp mcp` acts as when neither `--as` nor an agent's `$EXARP_AGENT` says. */
export const DEFAULT_MCP_AGENT = "agent:mcp";

/**
 * The server's own identity, never a person: `--as` (a person there is refused: `refused`), else
 * `$EXARP_AGENT` when it names an agent, else `agent:mcp` (`note` says so when `$EXARP_AGENT` named a
 * person). The session is `--session`, else `$EXARP_SESSION`.
 */
export function serverActor(
  given: { name?: string; session?: string },
  fromEnv: Actor,
  envAgent: string | undefined,
): { actor: Actor; refused?: string; note?: string } {
  const session = given.session ?? fromEnv.session;
  if (given.name !== undefined) {
    const actor = { name: given.name, session };
    if (!isPerson(actor)) return { actor };
    return { actor, refused: `--as ${given.name} ${REFUSAL_TEXT.personAs}; give an agent identity, e.g. agent:build` };
  }
  if (envAgent && !isPerson(fromEnv)) return { actor: { name: fromEnv.name, session } };
  const actor = { name: DEFAULT_MCP_AGENT, session };
  if (!envAgent) return { actor };
  return {
    actor,
    note: `exarp mcp: $EXARP_AGENT is ${fromEnv.name}, a person; acting as ${DEFAULT_MCP_AGENT} instead`,
  };
}

/** Who a server's calls act as, and the lease renewal their activity earns. */
export type Identity = {
  /** Who calls act as unless they pass `as`. */
  actor: Actor;
  resolve(as: As | undefined): Services;
  /**
   * Activity renewal: a call by a lease holder extends its leases past half their TTL. The first
   * attempt runs before the call answers; while another process writes, it retries in the
   * background. Never fails a call.
   */
  touch(services: Services): void;
  /** Settles when no renewal is still retrying. */
  idle(): Promise<void>;
  /** Set when the identity is a credential's, which no call can change: why `as` is refused. */
  fixed?: string;
};

type RenewalOptions = { log: (line: string) => void; busyRetryMs?: number };

function renewals(options: RenewalOptions): Pick<Identity, "touch" | "idle"> {
  const running = new Set<Promise<void>>();
  return {
    touch(services) {
      const renewal = retryWhileBusy(() => services.leases.touch(), { totalMs: options.busyRetryMs }).then(
        () => undefined,
        (error: unknown) =>
          options.log(`exarp mcp: lease renewal failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      running.add(renewal);
      void renewal.then(() => running.delete(renewal));
    },
    async idle() {
      await Promise.all([...running]);
    },
  };
}

/** Resolves each call's identity to services: the server's own agent, or the agent a call names in `as`. */
export function createIdentity(exarp: Exarp, options: RenewalOptions): Identity {
  if (isPerson(exarp.actor)) {
    throw new Error(`the MCP server acts for agents, not for ${exarp.actor.name}: open exarp as an agent identity`);
  }
  return {
    actor: exarp.actor,
    // exarp.as keeps the services per identity: asking again is a lookup.
    resolve: (as) => (as ? exarp.as({ name: as.agent, session: as.session ?? null }) : exarp),
    ...renewals(options),
  };
}

/**
 * A credential's identity (a token's, over remote MCP): every call acts as `actor`, a person or an
 * agent, and `as` is refused.
 */
export function tokenIdentity(exarp: Exarp, actor: Actor, options: RenewalOptions): Identity {
  const services = exarp.as(actor);
  return { actor: services.actor, resolve: () => services, fixed: REFUSAL_TEXT.tokenAs, ...renewals(options) };
}
