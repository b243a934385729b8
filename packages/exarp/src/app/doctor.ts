import { verifyAudit } from "../audit/verify.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { checkResult, type DoctorCheck, plural } from "../kernel/check.ts";
import { eventPages } from "../store/pages.ts";
import { checkSchema } from "../store/postgres/schema.ts";
import { parsePgUrl } from "../store/postgres/url.ts";
import { verifyReplay } from "../store/replay.ts";
import type { Store } from "../store/store.ts";

export type { DoctorCheck };
export type DoctorReport = { ok: boolean; checks: DoctorCheck[] };

/** Extra checks other modules contribute (the graph adds cycles, unknown dependencies and parents). */
export type DoctorExtension = (store: Store) => DoctorCheck;

/** Runs one check so that whatever it throws becomes one named problem, never a crash. */
function isolated(name: string, run: () => DoctorCheck): DoctorCheck {
  try {
    return run();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { name, ok: false, summary: "could not run", problems: [`${name} check could not run: ${reason}`] };
  }
}

/** The team database: reached, and its schema one this exarp can use. */
function postgresCheck(store: Store): DoctorCheck {
  const location = parsePgUrl(store.path);
  const state = store.schemaVersion();
  const problems: string[] = [];
  try {
    checkSchema(state, location);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  return checkResult(
    "postgres",
    `connected to ${store.path}, schema version ${state.version}`,
    `schema of ${store.path}`,
    problems,
  );
}

/**
 * Verifies everything that can drift: SQLite's own integrity, the hash chain, the audit mirror, that
 * replaying the log rebuilds exactly the live projections, and the graph. Each check runs on its
 * own, reads only, and reports what it finds as named lines.
 */
export function runDoctor(
  store: Store,
  auditDir: string | undefined,
  extensions: readonly DoctorExtension[] = [],
): DoctorReport {
  const checks: DoctorCheck[] = [
    store.backend === "postgres"
      ? isolated("postgres", () => postgresCheck(store))
      : isolated("sqlite", () =>
          checkResult("sqlite", "database file integrity", "database file integrity", store.integrityProblems()),
        ),
    isolated("chain", () => {
      const chain = verifyChain(eventPages(store, 0));
      return checkResult(
        "chain",
        `${plural(chain.events, "event")}${store.backend === "postgres" ? " in the database" : ""}, hash chain intact`,
        `hash chain over ${plural(chain.events, "event")}`,
        chain.problems,
      );
    }),
  ];
  if (auditDir) {
    // This machine's mirror of a shared log is checked up to its own tip: behind is fine, different is damage.
    const shared = store.backend === "postgres";
    const source = shared ? { eventRows: store.eventRows, maxSeq: store.maxSeq, auditPosition: () => null } : store;
    checks.push(
      isolated("audit", () => {
        const audit = verifyAudit(source, auditDir);
        return checkResult(
          "audit",
          `${plural(audit.lines, "audit line")} match the log${shared ? " (this machine's mirror)" : ""}`,
          `audit files against the log (${plural(audit.lines, "line")})`,
          audit.problems,
          audit.notes,
        );
      }),
    );
  }
  checks.push(
    isolated("replay", () => {
      const replay = verifyReplay(store);
      return checkResult(
        "replay",
        "projections equal a replay of the log",
        "projections against a replay of the log",
        replay.problems,
      );
    }),
  );
  for (const extension of extensions) checks.push(isolated("graph", () => extension(store)));
  return { ok: checks.every((c) => c.ok), checks };
}
