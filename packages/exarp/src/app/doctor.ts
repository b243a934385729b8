import { verifyAudit } from "../audit/verify.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { verifyReplay } from "../store/replay.ts";
import type { Store } from "../store/store.ts";

/** One named check and what it found. */
export type DoctorCheck = { name: string; ok: boolean; summary: string; problems: string[] };
export type DoctorReport = { ok: boolean; checks: DoctorCheck[] };

/** Extra checks other modules contribute (the graph adds cycle detection). */
export type DoctorExtension = (store: Store) => DoctorCheck;

function check(name: string, summary: string, problems: string[]): DoctorCheck {
  return { name, ok: problems.length === 0, summary, problems };
}

/**
 * Verifies everything that can drift: SQLite's own integrity, the hash chain, the audit mirror, and
 * that replaying the log rebuilds exactly the live projections.
 */
export function runDoctor(
  store: Store,
  auditDir: string | undefined,
  extensions: readonly DoctorExtension[] = [],
): DoctorReport {
  const checks: DoctorCheck[] = [];
  checks.push(check("sqlite", "database file integrity", store.integrityProblems()));
  const chain = verifyChain(store.iterateEvents(0));
  checks.push(check("chain", `${chain.events} events, hash chain`, chain.problems));
  if (auditDir) {
    const audit = verifyAudit(store, auditDir);
    checks.push(check("audit", `${audit.lines} audit lines match the log`, audit.problems));
  }
  const replay = verifyReplay(store);
  checks.push(check("replay", "projections equal a replay of the log", replay.problems));
  for (const extension of extensions) checks.push(extension(store));
  return { ok: checks.every((c) => c.ok), checks };
}
