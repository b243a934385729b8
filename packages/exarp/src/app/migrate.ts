import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createAuditMirror } from "../audit/mirror.ts";
import { InvalidInput, Refused, StorageError } from "../errors-catalog.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { eventFromRow } from "../event/envelope.ts";
import { verifyChain } from "../event/verify-chain.ts";
import { editSettings, readSettingsFile, settingIn, settingsFile } from "../install/settings-file.ts";
import type { Actor } from "../kernel/context.ts";
import { CONFIG_FILE, LOCAL_FILE, type SettingName } from "../project/settings.ts";
import { eventPages } from "../store/pages.ts";
import { openPgStore } from "../store/postgres/open.ts";
import { openStore } from "../store/sqlite.ts";
import type { Store, Tx } from "../store/store.ts";
import { openProjectStore, type ProjectDatabase, sqliteEvents } from "./project.ts";
import { probeTeamDatabase, refuseNonEmpty, type TeamTarget } from "./team.ts";

/** Where `exarp migrate` moves a project: a team database, or the SQLite file in .exarp/. */
export type MigrateTarget = ({ backend: "postgres" } & TeamTarget) | { backend: "sqlite" };

export type MigrateResult = {
  from: { backend: Store["backend"]; location: string };
  to: { backend: Store["backend"]; location: string };
  events: number;
  /** The hash of the last event, the same on both sides (empty for an empty log). */
  lastHash: string;
  /** The settings files changed to point the project at its new place. */
  repointed: string[];
  /** Where the SQLite database and audit files were kept, as they were, once the project left them. */
  keptAside: string | undefined;
  /** What the person must still do (an environment variable that overrides the files). */
  notes: string[];
};

export type MigrateOptions = {
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
  busyTimeoutMs?: number;
  actor: Actor;
};

const CONFIG = settingsFile(CONFIG_FILE);
const LOCAL = settingsFile(LOCAL_FILE);
const plural = (n: number) => `${n} event${n === 1 ? "" : "s"}`;

/**
 * Copies the project's full log (seq, hashes and all) into an empty target, verified before and
 * after, and then points the project's settings at it. The source's write lock is held from the
 * first read to the repointing, so no command lands in the source unseen. A target that holds
 * history is refused, and a failed copy repoints nothing; the source is never written. Leaving
 * SQLite, its database and audit files are kept aside, unchanged, in `.exarp/sqlite-<time>/`.
 */
export function migrateProject(root: string, target: MigrateTarget, options: MigrateOptions): MigrateResult {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  const source = openProjectStore(root, { env, warn, busyTimeoutMs: options.busyTimeoutMs }, false);
  const { database } = source;
  const { paths } = database;
  let copied: { events: number; lastHash: string; repointed: string[] } | undefined;
  const to = target.backend === "postgres" ? target.url : paths.db;
  try {
    if (target.backend === database.backend && to === database.location)
      throw new InvalidInput({ issues: [`the project is already in ${to}`] });
    // Cheap refusals first: nothing is locked, created or written for a target that cannot take it.
    let created = false;
    if (target.backend === "sqlite") {
      // Audit files beside a team database with audit.mirror are its mirror: the new file rewrites them.
      const events = sqliteEvents(paths, !(database.backend === "postgres" && database.settings["audit.mirror"]));
      if (events > 0)
        throw new Refused({
          reason: `${paths.dir} still holds an earlier SQLite project (${plural(events)}, in exarp.db or the audit files); move them away first; nothing changed`,
        });
      created = !existsSync(paths.db);
    } else {
      const probe = probeTeamDatabase(target.url, {
        password: target.password,
        busyTimeoutMs: database.settings["busy.timeoutMs"],
      });
      refuseNonEmpty(probe, target.url);
    }
    const meta = { actor: options.actor.name, session: options.actor.session, origin: "", time: Date.now() };
    try {
      source.store.transact(meta, (tx) => {
        const counts = copyLog(tx, target, database);
        // Still holding the source's lock (a server may end a transaction left idle too long): nothing landed meanwhile.
        if (tx.maxSeq() !== counts.events || tx.lastHash() !== counts.lastHash)
          throw new StorageError({
            path: database.location,
            reason: `it changed during the copy; the project still uses it, and ${to} holds a stale copy to remove`,
          });
        copied = { ...counts, repointed: repoint(root, target, database) };
      });
    } catch (error) {
      // Once copied and repointed, the project has moved: only the source's (empty) commit failed,
      // and its lock goes with its connection.
      if (!copied) {
        if (created) for (const suffix of ["", "-wal", "-shm"]) rmSync(`${paths.db}${suffix}`, { force: true });
        throw error;
      }
    }
  } finally {
    source.store.close();
  }
  if (!copied) throw new Error("exarp migrate: the copy neither finished nor failed");
  const notes: string[] = [];
  if (database.source["database.url"] === "EXARP_DATABASE_URL")
    notes.push(
      target.backend === "postgres"
        ? `EXARP_DATABASE_URL still names ${database.location} and overrides the files: set it to ${target.url}`
        : `EXARP_DATABASE_URL still names ${database.location} and overrides the files: unset it, or exarp keeps using PostgreSQL`,
    );
  const keptAside = database.backend === "sqlite" ? keepAside(paths.dir, warn) : undefined;
  return {
    from: { backend: database.backend, location: database.location },
    to: { backend: target.backend, location: to },
    ...copied,
    keptAside,
    notes,
  };
}

/** Reads and verifies the source's log inside its transaction and restores it into the target. */
function copyLog(tx: Tx, target: MigrateTarget, database: ProjectDatabase): { events: number; lastHash: string } {
  const rows = [...eventPages(tx, 0)];
  const before = verifyChain(rows);
  if (before.problems.length)
    throw new StorageError({
      path: database.location,
      reason: `its event log does not verify (${before.problems[0]}); nothing copied: run \`exarp doctor\``,
    });
  const events: StoredEvent[] = rows.map(eventFromRow);
  const maxSeq = tx.maxSeq();
  const lastHash = tx.lastHash();
  const store = openTarget(target, database);
  try {
    store.restoreLog(events, (restored) => {
      const after = verifyChain(eventPages(restored, 0));
      const problem =
        after.problems[0] ??
        (restored.maxSeq() !== maxSeq || restored.lastHash() !== lastHash
          ? `it ends at #${restored.maxSeq()} (${restored.lastHash() || "no hash"}), the source at #${maxSeq} (${lastHash || "no hash"})`
          : undefined);
      if (problem)
        throw new StorageError({
          path: storeLocation(target, database),
          reason: `the copy does not verify: ${problem}`,
        });
    });
  } finally {
    store.close();
  }
  return { events: events.length, lastHash };
}

const storeLocation = (target: MigrateTarget, database: ProjectDatabase) =>
  target.backend === "postgres" ? target.url : database.paths.db;

/** The target's store, created when empty; a SQLite target writes its audit mirror as the log lands. */
function openTarget(target: MigrateTarget, database: ProjectDatabase): Store {
  const busyTimeoutMs = database.settings["busy.timeoutMs"];
  if (target.backend === "postgres")
    return openPgStore(target.url, { create: true, busyTimeoutMs, password: target.password });
  const store = openStore(database.paths.db, { create: true, busyTimeoutMs });
  store.participate(
    createAuditMirror(database.paths.dir, { maxBytes: database.settings["audit.maxBytes"], warn: () => undefined }),
  );
  return store;
}

/**
 * Points the project's settings at the target: config.json (the team's file) names the new
 * database, or no longer names one (SQLite); this machine's local.json loses any database keys that
 * would override it. Returns the files changed.
 */
function repoint(root: string, target: MigrateTarget, database: ProjectDatabase): string[] {
  const team: Partial<Record<SettingName, string | undefined>> =
    target.backend === "postgres"
      ? { "database.url": target.url, "database.passwordEnv": target.passwordEnv }
      : { "database.url": undefined, "database.passwordEnv": undefined };
  const changed: string[] = [];
  try {
    if (editSettings(root, CONFIG, team)) changed.push(CONFIG);
    const local = readSettingsFile(root, LOCAL);
    if (
      (["database.url", "database.passwordEnv"] as const).some((k) => settingIn(local, k) !== undefined) &&
      editSettings(root, LOCAL, { "database.url": undefined, "database.passwordEnv": undefined })
    )
      changed.push(LOCAL);
  } catch (error) {
    throw new StorageError({
      path: storeLocation(target, database),
      reason: `the log was copied there, but the project could not be pointed at it (${error instanceof Error ? error.message : String(error)}); it still uses ${database.location}`,
    });
  }
  return changed;
}

/** Moves the SQLite database and audit files of a project that left them into `sqlite-<time>/`, unchanged. */
function keepAside(dir: string, warn: (message: string) => void): string | undefined {
  const names = readdirSync(dir).filter((n) => /^exarp\.db(-wal|-shm)?$|^audit[.-]/.test(n));
  if (!names.length) return undefined;
  const aside = join(dir, `sqlite-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  try {
    mkdirSync(aside);
    for (const name of names) renameSync(join(dir, name), join(aside, name));
  } catch (error) {
    warn(
      `the old SQLite files could not all be moved into ${aside} (${(error as NodeJS.ErrnoException).code ?? String(error)}); the project no longer uses them`,
    );
  }
  return aside;
}
