import { type ProjectDatabase, projectDatabase } from "../../app/project.ts";
import { MIGRATIONS } from "../../store/migrations/index.ts";
import { openPgSchemaAdmin } from "../../store/postgres/admin.ts";
import { checkSchema, PG_SCHEMA_VERSION, type SchemaState } from "../../store/postgres/schema.ts";
import { inline } from "../../text/safe.ts";
import { type CliContext, type CliResult, type CliRun, UsageError } from "../command.ts";
import { EXIT } from "../exit-codes.ts";

const SQLITE_SCHEMA_VERSION = (MIGRATIONS.at(-1) as { version: number }).version;

const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k.padEnd(9)} ${v}`).join("\n");

/** What the database holds, in words. */
function held(state: SchemaState): string {
  if (state.version === 0) return "no exarp project";
  if (state.version === -1) return "tables that are not an exarp project";
  return `schema version ${state.version} (usable by an exarp that knows ${state.compatibleFrom} or newer)`;
}

/** Why this exarp cannot use the schema, or undefined when it can. */
function problemOf(state: SchemaState, admin: { location: Parameters<typeof checkSchema>[1] }): string | undefined {
  try {
    checkSchema(state, admin.location);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function postgres(ctx: CliContext, database: Extract<ProjectDatabase, { backend: "postgres" }>): CliResult {
  const admin = openPgSchemaAdmin(database.url, {
    password: database.password,
    busyTimeoutMs: database.settings["busy.timeoutMs"],
  });
  try {
    const state = admin.state();
    const where = inline(database.location);
    if (ctx.args[0] === "upgrade") {
      // Nothing to create, someone else's tables, or a schema newer than this exarp can use: refused as every command refuses it.
      if (state.version <= 0 || state.compatibleFrom > PG_SCHEMA_VERSION) checkSchema(state, admin.location);
      const { from, to } =
        state.version >= PG_SCHEMA_VERSION ? { from: state.version, to: state.version } : admin.upgrade();
      const data = { backend: "postgres", location: database.location, from, to, upgraded: from !== to };
      if (from === to) return { data, text: `${where} is already at schema version ${to}; nothing changed` };
      return {
        data,
        text: `upgraded ${where} from schema version ${from} to ${to}; every machine of the team now needs an exarp that knows schema ${to}`,
      };
    }
    const problem = problemOf(state, admin);
    return {
      data: {
        backend: "postgres",
        location: database.location,
        version: state.version,
        compatibleFrom: state.compatibleFrom,
        writes: PG_SCHEMA_VERSION,
        usable: problem === undefined,
        ...(problem ? { problem } : {}),
      },
      text: rows([
        ["backend", "postgres"],
        ["location", where],
        ["database", held(state)],
        ["exarp", `writes schema version ${PG_SCHEMA_VERSION}`],
        ["usable", problem ? `no: ${problem}` : "yes"],
      ]),
      exitCode: problem ? EXIT.storage : EXIT.ok,
    };
  } finally {
    admin.close();
  }
}

/** SQLite brings its file to this exarp's schema whenever a command opens it (refusing a newer one). */
function sqlite(ctx: CliContext, database: ProjectDatabase): CliResult {
  const store = ctx.exarp().store;
  const { version } = store.schemaVersion();
  const data = { backend: "sqlite", location: database.location, version, writes: SQLITE_SCHEMA_VERSION };
  if (ctx.args[0] === "upgrade")
    return {
      data: { ...data, from: version, to: version, upgraded: false },
      text: `SQLite upgrades itself when a command opens it: ${database.location} is at schema version ${version}`,
    };
  return {
    data: { ...data, compatibleFrom: null, usable: true },
    text: rows([
      ["backend", "sqlite"],
      ["location", database.location],
      ["database", `schema version ${version}`],
      ["exarp", `writes schema version ${SQLITE_SCHEMA_VERSION} (SQLite upgrades itself when a command opens it)`],
      ["usable", "yes"],
    ]),
  };
}

export const schema: CliRun = (ctx) => {
  const action = ctx.args[0];
  if (action !== undefined && action !== "upgrade")
    throw new UsageError(`schema takes upgrade, or nothing for the status, not ${JSON.stringify(inline(action, 40))}`);
  const database = projectDatabase(ctx.root(), ctx.env, (message) => ctx.note(`exarp: warning: ${message}`));
  return database.backend === "postgres" ? postgres(ctx, database) : sqlite(ctx, database);
};
