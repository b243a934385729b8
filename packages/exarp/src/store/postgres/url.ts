import { InvalidInput } from "../../errors-catalog.ts";

/** A project's PostgreSQL location: the server and database, and the schema holding the project. */
export type PgLocation = {
  /** What node-postgres connects with: the URL without exarp's own `schema` parameter. */
  connectionString: string;
  schema: string;
  /** The URL as it may be shown and saved: never a password. */
  display: string;
  /** True when the URL itself carries a password (allowed in the environment, never saved). */
  hasPassword: boolean;
};

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** True for the URLs that select the PostgreSQL backend. */
export const isPostgresUrl = (value: string) => /^postgres(ql)?:\/\//i.test(value);

/**
 * Reads `postgres://[user[:password]@]host[:port]/database[?schema=NAME&…]`. Other parameters
 * (sslmode…) pass through to the driver; `schema` (default public) lets one database hold several projects.
 */
export function parsePgUrl(value: string): PgLocation {
  const refuse = (issue: string) => new InvalidInput({ issues: [`database URL: ${issue}`] });
  if (!isPostgresUrl(value)) throw refuse("must start with postgres:// or postgresql://");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse("is not a valid URL");
  }
  if (!url.hostname) throw refuse("names no host");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!database || database.includes("/")) throw refuse("names no database (postgres://host/DATABASE)");
  const schema = url.searchParams.get("schema") ?? "public";
  if (!SCHEMA.test(schema)) throw refuse(`schema ${JSON.stringify(schema)} must be a lowercase SQL name`);
  url.searchParams.delete("schema");
  const hasPassword = url.password !== "";
  const shown = new URL(url.href);
  shown.password = "";
  if (schema !== "public") shown.searchParams.set("schema", schema);
  return { connectionString: url.href, schema, display: shown.href, hasPassword };
}
