import type { Actor } from "../identity/identity.ts";
import { lazy, z } from "../kernel/zod.ts";
import { TaskId } from "../task/task.ts";

/** Default lease length: long enough for a real step of work, short enough that a dead agent's task comes back. */
export const DEFAULT_LEASE_TTL_MS = 15 * 60_000;
export const MAX_LEASE_TTL_MS = 24 * 60 * 60_000;

/** A grant of exclusive work on a task. `token` (the fencing token) grows with every grant. */
export type Lease = {
  taskId: string;
  agent: string;
  session: string | null;
  token: number;
  acquiredAt: number;
  expiresAt: number;
};

const Ttl = lazy(() =>
  z.number().int().min(1_000, "ttl must be at least 1 s").max(MAX_LEASE_TTL_MS, "ttl must be at most 24 h"),
);

/** Claim a task (or renew a lease the same holder already has). */
export const ClaimRequest = lazy(() => z.strictObject({ taskId: TaskId, ttlMs: Ttl.optional() }));
export type ClaimRequest = z.input<typeof ClaimRequest>;

/** Extend, or end, a lease held by the caller; `force` lets someone else break it (recorded). */
export const LeaseRequest = lazy(() =>
  z.strictObject({ taskId: TaskId, ttlMs: Ttl.optional(), force: z.boolean().optional() }),
);
export type LeaseRequest = z.input<typeof LeaseRequest>;

/** The result of a claim: a lease, or who holds the task instead (a lost race is a value, not an error). */
export type ClaimResult = { acquired: true; renewed: boolean; lease: Lease } | { acquired: false; holder: Lease };

/** True when `actor` is the lease's holder: same agent and same session. */
export function heldBy(lease: Lease, actor: Actor): boolean {
  return lease.agent === actor.name && lease.session === actor.session;
}

/** The lease while it has not reached its expiry; undefined when there is none or it expired. */
export function liveLease(lease: Lease | undefined, now: number): Lease | undefined {
  return lease !== undefined && lease.expiresAt > now ? lease : undefined;
}

/** `agent/session` for messages. */
export function holderName(lease: Pick<Lease, "agent" | "session">): string {
  return lease.session ? `${lease.agent}/${lease.session}` : lease.agent;
}
