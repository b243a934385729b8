import { existsSync, lstatSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import { auditFiles, CURRENT, fileEnds, fileLines } from "../audit/files.ts";
import { rowFromLine } from "../audit/line.ts";
import { InvalidInput, Refused, StorageError } from "../errors-catalog.ts";
import { type EventRow, eventFromRow } from "../event/envelope.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { type ProjectPaths, projectPaths } from "../project/root.ts";
import { eventPages } from "../store/pages.ts";
import { verifyReplay } from "../store/replay.ts";
import { openStore } from "../store/sqlite.ts";
import { inspectDatabase } from "./project.ts";

export type RestoreResult = {
  /** Events restored from the audit trail. */
  events: number;
  /** What was wrong with the database. */
  reason: string;
  /** Where the damaged database files were moved (nothing is deleted). */
  movedAside: string[];
};

/** Reads every audit line as an event; the lines must be whole, in order from #1, and chain. */
function auditEvents(dir: string): EventRow[] {
  const rows: EventRow[] = [];
  for (const path of auditFiles(dir)) {
    if (!existsSync(path)) continue;
    let i = 0;
    for (const line of fileLines(path)) {
      i++;
      // A torn last line is a write a crash interrupted before it committed: it holds no event.
      if (!line.complete) break;
      const row = rowFromLine(line.text);
      if (!row) throw new InvalidInput({ issues: [`${basename(path)}:${i} is not an intact audit line`] });
      if (row.seq !== rows.length + 1)
        throw new InvalidInput({ issues: [`${basename(path)}:${i} holds #${row.seq}, expected #${rows.length + 1}`] });
      rows.push(row);
    }
  }
  const chain = verifyChain(rows);
  if (chain.problems.length) throw new InvalidInput({ issues: chain.problems.map((p) => `audit trail: ${p}`) });
  return rows;
}

/** Why the database needs restoring, or undefined when it is sound. */
function damage(paths: ProjectPaths): string | undefined {
  // Judged as every command judges it, before SQLite opens anything: a file the commands refuse
  // (a directory, a link out of the project) is never opened here either, and an empty one is not
  // turned into a fresh database by the probe.
  const file = inspectDatabase(paths);
  if (file.kind === "missing") return "missing";
  if (file.kind === "empty") return "empty";
  if (file.kind === "refused") return file.reason;
  const db = paths.db;
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore(db, { create: false, busyTimeoutMs: 0 });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  try {
    if (store.maxSeq() === 0) return "empty";
    const problems = [
      ...store.integrityProblems(),
      ...verifyChain(eventPages(store, 0)).problems,
      ...verifyReplay(store).problems,
    ];
    return problems[0];
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    store.close();
  }
}

/**
 * Rebuilds a lost or damaged database from the audit trail (`exarp doctor --restore`): the audit
 * lines are read back as events, their hash chain verified, the damaged database files moved aside,
 * and the log restored into a fresh database with every projection rebuilt. Refused while the
 * database is sound. If a process died while committing, the audit may hold that last command.
 */
export function restoreProject(root: string): RestoreResult {
  const paths = projectPaths(root);
  const events = auditEvents(paths.dir);
  if (!events.length)
    throw new Refused({ reason: "the audit trail holds no events: there is nothing to restore from" });
  const why = damage(paths);
  if (!why)
    throw new Refused({ reason: `${paths.db} is sound; --restore only rebuilds a missing or damaged database` });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const movedAside: string[] = [];
  for (const suffix of ["", "-wal", "-shm"]) {
    const path = `${paths.db}${suffix}`;
    try {
      lstatSync(path);
    } catch {
      continue;
    }
    const to = `${paths.db}.damaged-${stamp}${suffix}`;
    renameSync(path, to);
    movedAside.push(to);
  }
  const store = openStore(paths.db, { create: true });
  try {
    const current = fileEnds(join(paths.dir, CURRENT));
    store.restoreLog(events.map(eventFromRow), (tx) => tx.setAuditMark(events.length, current.size));
  } catch (error) {
    throw new StorageError({
      path: paths.db,
      reason: `restore failed (${error instanceof Error ? error.message : String(error)})`,
    });
  } finally {
    store.close();
  }
  return { events: events.length, reason: why, movedAside };
}
