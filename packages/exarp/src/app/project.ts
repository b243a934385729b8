import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileEnds, rotatedFiles } from "../audit/files.ts";
import { lineSeq } from "../audit/line.ts";
import { InvalidInput, NoProject, StorageError } from "../errors-catalog.ts";
import { isInside, type ProjectPaths, projectPaths } from "../project/root.ts";
import { loadSettings, type Settings, type SettingsSource } from "../project/settings.ts";
import { openDriver, type SqlDriver } from "../store/driver.ts";
import { openPgStore } from "../store/postgres/open.ts";
import { parsePgUrl } from "../store/postgres/url.ts";
import { openStore } from "../store/sqlite.ts";
import type { Store, StoreOptions } from "../store/store.ts";
import { createExarp, type Exarp, type ExarpOptions } from "./exarp.ts";

export type ProjectOptions = Omit<ExarpOptions, "store" | "auditDir" | "auditMaxBytes"> &
  Omit<StoreOptions, "create"> & {
    /** Settings from the environment (default `process.env`). */
    env?: NodeJS.ProcessEnv;
  };

const GITIGNORE = `# exarp keeps its state here. It is shared through exarp, not git (\`exarp export\` snapshots it);
# only config.json, the team's settings, belongs in the repository.
*
!config.json
`;

/** How far the audit files reach (the seq of their last line), without reading them whole. */
export function auditTip(dir: string): number {
  const current = fileEnds(`${dir}/audit.jsonl`);
  const last = current.last ?? fileEnds(rotatedFiles(dir).at(-1)?.path ?? `${dir}/none`).last;
  return (last && lineSeq(last.text)) ?? 0;
}

/** What is at the database path, before SQLite is allowed to touch it. */
export type DatabaseFile = { kind: "missing" | "empty" | "file" } | { kind: "refused"; reason: string };

/** Looks at the database path without opening it: a refused file is one no command may open. */
export function inspectDatabase(paths: ProjectPaths): DatabaseFile {
  let link: ReturnType<typeof lstatSync>;
  try {
    link = lstatSync(paths.db);
  } catch {
    return { kind: "missing" };
  }
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(paths.db);
    } catch {
      return { kind: "refused", reason: "it is a symbolic link to nothing" };
    }
    if (!isInside(target, realpathSync(paths.root)))
      return { kind: "refused", reason: `it is a symbolic link leading out of the project, to ${target}` };
  }
  const stat = statSync(paths.db);
  if (stat.isDirectory()) return { kind: "refused", reason: "it is a directory, not a database file" };
  if (!stat.isFile()) return { kind: "refused", reason: "it is not a regular file" };
  return { kind: stat.size === 0 ? "empty" : "file" };
}

/**
 * How many events a SQLite project in `.exarp/` holds (its database, else its audit trail unless
 * `countAudit` is false: they are a team database's mirror), read without changing anything; 0 when
 * it has none. A file that is not an exarp database is refused.
 */
export function sqliteEvents(paths: ProjectPaths, countAudit = true): number {
  const audit = countAudit ? auditTip(paths.dir) : 0;
  const file = inspectDatabase(paths);
  if (file.kind === "refused") throw new StorageError({ path: paths.db, reason: file.reason });
  if (file.kind !== "file") return audit;
  let db: SqlDriver | undefined;
  try {
    db = openDriver(paths.db, { create: false });
    const seq = db.prepare<{ n: number }>("SELECT coalesce(max(seq), 0) AS n FROM events").get()?.n ?? 0;
    return Math.max(Number(seq), audit);
  } catch (error) {
    throw new StorageError({
      path: paths.db,
      reason: `cannot tell what it holds (${error instanceof Error ? error.message : String(error)})`,
    });
  } finally {
    db?.close();
  }
}

const restoreHint = (events: number) =>
  `the audit trail holds ${events} event${events === 1 ? "" : "s"}; \`exarp doctor --restore\` rebuilds the database from it (hash chain verified)`;

/**
 * Refuses a database file that cannot be opened safely: a directory, a symlink out of the project,
 * or one that is missing or empty while the audit trail says the project has history (a lost
 * database must be restored, never silently started afresh).
 */
function checkDatabase(paths: ProjectPaths, create: boolean): void {
  const db = inspectDatabase(paths);
  if (db.kind === "refused") throw new StorageError({ path: paths.db, reason: db.reason });
  if (db.kind === "file") return;
  const events = auditTip(paths.dir);
  const what = db.kind === "missing" ? "the database is missing" : "the database file is empty";
  if (events > 0) throw new StorageError({ path: paths.db, reason: `${what}, but ${restoreHint(events)}` });
  if (!create) throw new StorageError({ path: paths.db, reason: `${what}; \`exarp init\` creates a new one here` });
}

/**
 * Opens the project at `root` (which must have `.exarp/`, see `exarp init`), with its settings and
 * the audit mirror beside the database. Opening and reading never write: no file is created and no
 * lock is taken until a command changes something.
 */
export function openProject(root: string, options: ProjectOptions = {}): Exarp {
  return open(root, options, false);
}

/**
 * Creates the project at `root` (`.exarp/` with its .gitignore and an empty database) or opens the
 * one already there, and returns it open. Refuses to start afresh where an audit trail holds history.
 */
export function initProject(root: string, options: ProjectOptions = {}): Exarp {
  const paths = projectPaths(root);
  if (existsSync(paths.dir) && !statSync(paths.dir).isDirectory())
    throw new StorageError({ path: paths.dir, reason: "it is not a folder" });
  mkdirSync(paths.dir, { recursive: true });
  const ignore = `${paths.dir}/.gitignore`;
  if (!existsSync(ignore) || readFileSync(ignore, "utf8") !== GITIGNORE) writeFileSync(ignore, GITIGNORE);
  return open(root, options, true);
}

/** The password named by `database.passwordEnv`, when set; a named variable that is unset is an error. */
export function passwordFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (!name) return undefined;
  const value = env[name];
  if (value === undefined) throw new InvalidInput({ issues: [`database.passwordEnv names ${name}, which is not set`] });
  return value;
}

/** Where a project's database is, as its settings say (nothing is opened). */
export type ProjectDatabase = {
  paths: ProjectPaths;
  settings: Settings;
  /** Where each setting came from (`EXARP_DATABASE_URL`, a file and key, or `default`). */
  source: SettingsSource;
} & (
  | { backend: "sqlite"; location: string }
  | {
      backend: "postgres";
      url: string;
      /** The server, database and schema, never a password. */
      location: string;
      password: string | undefined;
    }
);

/** Reads the settings of the project at `root` and says where its database is. */
export function projectDatabase(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => undefined,
): ProjectDatabase {
  const paths = projectPaths(root);
  if (!existsSync(paths.dir)) throw new NoProject({ from: root });
  const { settings, source } = loadSettings(paths.dir, env, warn);
  const url = settings["database.url"];
  if (!url) return { paths, settings, source, backend: "sqlite", location: paths.db };
  return {
    paths,
    settings,
    source,
    backend: "postgres",
    url,
    location: parsePgUrl(url).display,
    password: passwordFrom(env, settings["database.passwordEnv"]),
  };
}

/** A project's store, opened as its settings say, with where its audit mirror goes (SQLite only). */
export type ProjectStore = { store: Store; database: ProjectDatabase; auditDir: string | undefined };

/**
 * Opens the store of the project at `root` without the services around it (`exarp migrate` copies
 * from it). `create` makes a missing database; a lost one is refused, as by every command.
 */
export function openProjectStore(
  root: string,
  options: Omit<ProjectOptions, "actor"> = {},
  create = false,
): ProjectStore {
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  const database = projectDatabase(root, options.env ?? process.env, warn);
  const { paths, settings } = database;
  const busyTimeoutMs = options.busyTimeoutMs ?? settings["busy.timeoutMs"];
  if (database.backend === "postgres") {
    // Team mode: the log and its audit trail live in PostgreSQL; .exarp/ keeps this checkout's settings.
    const store = openPgStore(database.url, { busyTimeoutMs, create, password: database.password });
    return { store, database, auditDir: settings["audit.mirror"] ? paths.dir : undefined };
  }
  checkDatabase(paths, create);
  mkdirSync(dirname(paths.db), { recursive: true });
  const store = openStore(paths.db, { synchronous: options.synchronous, busyTimeoutMs, create });
  return { store, database, auditDir: paths.dir };
}

function open(root: string, options: ProjectOptions, create: boolean): Exarp {
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  const { store, database, auditDir } = openProjectStore(root, { ...options, warn }, create);
  try {
    return createExarp({
      ...options,
      store,
      warn,
      ...(auditDir ? { auditDir, auditMaxBytes: database.settings["audit.maxBytes"] } : {}),
    });
  } catch (error) {
    store.close();
    throw error;
  }
}
