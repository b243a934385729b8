// Team mode around the PostgreSQL store: what a database holds before a checkout points at it
// (`exarp init --database`, `exarp migrate --to`), and the URLs that may be saved in a settings file.
import { InvalidInput, Refused } from "../errors-catalog.ts";
import { isVariableName } from "../project/settings.ts";
import { openPgSchemaAdmin } from "../store/postgres/admin.ts";
import { openPgStore } from "../store/postgres/open.ts";
import { checkSchema, type SchemaState } from "../store/postgres/schema.ts";
import { isPostgresUrl, type PgLocation, parsePgUrl } from "../store/postgres/url.ts";
import { passwordFrom } from "./project.ts";

/** How a command connects to a team database it was given on the command line. */
export type TeamTarget = {
  url: string;
  location: PgLocation;
  /** The variable naming the password (saved as database.passwordEnv), if given. */
  passwordEnv: string | undefined;
  password: string | undefined;
};

/**
 * Checks a database URL and password variable given as `--OPTION URL`: only postgres:// URLs, and
 * never one carrying a password (it would be saved in a file the team commits). Bad input: exit 2.
 */
export function teamTarget(
  option: string,
  url: string,
  passwordEnv: string | undefined,
  env: NodeJS.ProcessEnv,
): TeamTarget {
  const refuse = (issue: string) => new InvalidInput({ issues: [issue] });
  if (!isPostgresUrl(url))
    throw refuse(`${option} must be a postgres:// URL (postgres://USER@HOST[:PORT]/DATABASE[?schema=NAME])`);
  const location = parsePgUrl(url);
  if (location.hasPassword)
    throw refuse(
      `${option} carries a password, which would be saved in .exarp/config.json: put it in ~/.pgpass, PGPASSFILE or PGPASSWORD, or name a variable with --database-password-env`,
    );
  if (passwordEnv !== undefined && !isVariableName(passwordEnv))
    throw refuse("--database-password-env must be the name of an environment variable");
  if (passwordEnv !== undefined && env[passwordEnv] === undefined)
    throw refuse(`--database-password-env names ${passwordEnv}, which is not set`);
  return { url: location.display, location, passwordEnv, password: passwordFrom(env, passwordEnv ?? "") };
}

/** What a team database holds: no project yet (it can be created), or one with `events` events. */
export type TeamProbe = { state: SchemaState; exists: boolean; events: number };

/**
 * Connects and looks, changing nothing: an empty schema can take a new project; one that holds an
 * exarp project this exarp can use is counted; someone else's tables, or a schema this exarp cannot
 * use, are refused with checkSchema's message (exit 3). Unreachable: Unavailable (exit 5).
 */
export function probeTeamDatabase(url: string, options: { password?: string; busyTimeoutMs?: number } = {}): TeamProbe {
  const admin = openPgSchemaAdmin(url, options);
  let state: SchemaState;
  try {
    state = admin.state();
  } finally {
    admin.close();
  }
  if (state.version === 0) return { state, exists: false, events: 0 };
  checkSchema(state, admin.location);
  const store = openPgStore(url, { ...options, create: false });
  try {
    return { state, exists: true, events: store.maxSeq() };
  } finally {
    store.close();
  }
}

/**
 * Makes the project's schema in an empty database (or schema); nothing else is written. False when
 * another checkout made it first (this one then joins it).
 */
export function createTeamProject(url: string, options: { password?: string; busyTimeoutMs?: number } = {}): boolean {
  const admin = openPgSchemaAdmin(url, options);
  try {
    return admin.upgrade().from === 0;
  } finally {
    admin.close();
  }
}

/** Refuses a target that already holds history: a project moves only into an empty one. */
export function refuseNonEmpty(probe: TeamProbe, location: string): void {
  if (probe.events > 0)
    throw new Refused({
      reason: `${location} already holds an exarp project with ${probe.events} event${probe.events === 1 ? "" : "s"}; a project moves only into an empty one (another schema: ?schema=NAME); nothing changed`,
    });
}
