import { StorageError } from "../../errors-catalog.ts";
import type { SqlDriver } from "../driver.ts";
import { PG_MIGRATIONS } from "./migrations.ts";
import type { PgLocation } from "./url.ts";

/** The schema a database holds: its version, and the oldest schema a binary may know and still use it. */
export type SchemaState = { version: number; compatibleFrom: number };

/** The schema this exarp writes; it uses any database whose `compatibleFrom` is at most this. */
export const PG_SCHEMA_VERSION = (PG_MIGRATIONS.at(-1) as { version: number }).version;

/** What the project's schema holds: version 0 when it has no exarp tables yet. */
export function schemaState(db: SqlDriver, schema: string): SchemaState {
  // One statement (one snapshot): a project another connection creates meanwhile is seen whole or not at all.
  const tables = db
    .prepare<{ present: number; n: number }>(
      "SELECT count(*) FILTER (WHERE tablename = 'exarp_meta') AS present, count(*) AS n FROM pg_tables WHERE schemaname = ?",
    )
    .get(schema);
  // A schema holding someone else's tables is not an empty project to create in.
  if (!tables?.present) return { version: tables?.n ? -1 : 0, compatibleFrom: 0 };
  const row = db
    .prepare<SchemaState>(
      'SELECT schema_version AS version, compatible_from AS "compatibleFrom" FROM exarp_meta WHERE id = 1',
    )
    .get();
  return row ?? { version: 0, compatibleFrom: 0 };
}

/**
 * Refuses a schema this exarp cannot use, saying what to do: none yet (`exarp init --database`),
 * foreign tables, older than this exarp (`exarp schema upgrade`, explicit: the whole team then needs
 * a release that knows it), or newer in a way this release cannot read (upgrade exarp).
 */
export function checkSchema(state: SchemaState, location: PgLocation): void {
  const refuse = (reason: string) => new StorageError({ path: location.display, reason });
  if (state.version === -1)
    throw refuse(`schema ${location.schema} holds tables that are not an exarp project; choose another (?schema=NAME)`);
  if (state.version === 0)
    throw refuse(`no exarp project in schema ${location.schema}; \`exarp init --database URL\` creates one`);
  if (state.version < PG_SCHEMA_VERSION)
    throw refuse(
      `schema version ${state.version} is older than this exarp's (${PG_SCHEMA_VERSION}); run \`exarp schema upgrade\` once for the team (every machine then needs an exarp that knows schema ${PG_SCHEMA_VERSION})`,
    );
  if (state.compatibleFrom > PG_SCHEMA_VERSION)
    throw refuse(
      `schema version ${state.version} needs an exarp that knows schema ${state.compatibleFrom} or newer (this one knows ${PG_SCHEMA_VERSION}); upgrade exarp`,
    );
}

/**
 * Brings the project's schema to this exarp's version in one transaction, under a lock only
 * upgrades take (two at once: the second finds the work done). Returns the versions passed.
 */
export function upgradeSchema(db: SqlDriver, schema: string): { from: number; to: number } {
  // The schema too is made under the lock: two connections making it at once would collide.
  db.exec(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('exarp.schema.${schema}'))`);
  try {
    db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const from = schemaState(db, schema);
    if (from.version === -1) throw new Error(`schema ${schema} holds tables that are not an exarp project`);
    for (const step of PG_MIGRATIONS.filter((m) => m.version > from.version)) {
      db.exec(step.sql);
      db.exec(
        `UPDATE exarp_meta SET schema_version = ${step.version}, compatible_from = ${step.compatibleFrom} WHERE id = 1`,
      );
    }
    db.exec("COMMIT");
    return { from: from.version, to: Math.max(from.version, PG_SCHEMA_VERSION) };
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
