// A connection to a project's schema that opens whatever the schema holds: `exarp schema` and
// `exarp init --database` read its state here (openPgStore refuses a schema it cannot use, without
// saying which version it found) and `exarp schema upgrade` runs the explicit upgrade. It never
// reads or writes the project's events.
import { createPgDriver } from "./driver.ts";
import { connectProject, pgFailure } from "./open.ts";
import { type SchemaState, schemaState, upgradeSchema } from "./schema.ts";
import { type PgLocation, parsePgUrl } from "./url.ts";

export type PgSchemaAdmin = {
  location: PgLocation;
  /** The schema's version (0: no exarp tables, -1: someone else's tables) and its compatibility. */
  state(): SchemaState;
  /** Brings the schema to this exarp's version (see upgradeSchema): one transaction, under its lock. */
  upgrade(): { from: number; to: number };
  close(): void;
};

export type PgSchemaAdminOptions = { password?: string; busyTimeoutMs?: number };

export function openPgSchemaAdmin(url: string, options: PgSchemaAdminOptions = {}): PgSchemaAdmin {
  const location = parsePgUrl(url);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const failure = (error: unknown) => pgFailure(error, location, busyTimeoutMs);
  const bridge = connectProject(location, { ...options, applicationName: "exarp schema", follow: false });
  const db = createPgDriver(bridge);
  const guarded =
    <T>(run: () => T) =>
    (): T => {
      try {
        return run();
      } catch (error) {
        throw failure(error);
      }
    };
  return {
    location,
    state: guarded(() => schemaState(db, location.schema)),
    upgrade: guarded(() => upgradeSchema(db, location.schema)),
    close: () => bridge.close(),
  };
}
