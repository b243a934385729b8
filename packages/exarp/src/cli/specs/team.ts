import type { CliCommand } from "../command.ts";
import { passwordEnvOption } from "./options.ts";

export const schema: CliCommand = {
  name: "schema",
  summary:
    "Show the database's schema version and whether this exarp can use it; `upgrade` brings a team database to this exarp's version",
  usage: "[upgrade]",
  arity: [0, 1],
  examples: [
    "exarp schema            # backend, location, the version in the database and the one this exarp writes",
    "exarp schema upgrade    # PostgreSQL: once for the team, under a lock (SQLite upgrades itself when opened)",
    "# exit 3 when this exarp cannot use the schema (too old: `exarp schema upgrade`; too new: upgrade exarp)",
  ],
  readOnly: (_values, args) => args[0] !== "upgrade",
  load: async () => (await import("../commands/schema.ts")).schema,
};

export const migrate: CliCommand = {
  name: "migrate",
  summary:
    "Move the project, its full log and hashes verified, into an empty PostgreSQL schema or back into .exarp/exarp.db, and point the project there",
  usage: "--to URL|sqlite",
  arity: [0, 0],
  options: {
    to: {
      type: "string",
      value: "URL|sqlite",
      help: "postgres://USER@HOST/DB[?schema=NAME] (no password; must hold no exarp history), or sqlite for .exarp/exarp.db",
    },
    ...passwordEnvOption,
  },
  examples: [
    "exarp migrate --to 'postgres://ana@db.internal/exarp?schema=shop'   # then commit .exarp/config.json",
    "exarp migrate --to sqlite     # back to the file; the team database is left as it was",
  ],
  load: async () => (await import("../commands/migrate.ts")).migrate,
};
