// PostgreSQL for the suites: the server with-postgres.mjs started for this run, one new empty
// database per caller so that suites never see each other's rows, dropped when done.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The throw-away server's URL; without it the PostgreSQL suites fail rather than skip. */
export function postgresUrl(): string {
  const url = process.env.EXARP_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      "EXARP_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run under packages/exarp/scripts/with-postgres.mjs, " +
        "which starts a throw-away server (`npm test` does it; by hand: `node packages/exarp/scripts/with-postgres.mjs npx vitest run ...`)",
    );
  }
  return url;
}

let made = 0;

/** `exarp_<label>_<pid>_<counter>_<random>`: unique across parallel test processes, a valid identifier. */
function databaseName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_")
    .slice(0, 20);
  made += 1;
  return `exarp_${safe}_${process.pid}_${made}_${randomBytes(3).toString("hex")}`;
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database on the test server (C collation, UTF-8) and the way to drop it. */
export async function freshDatabase(label = "t"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = databaseName(label);
  // The name is made of [a-z0-9_] only (databaseName), so it is safe as a quoted identifier.
  await asAdmin((client) =>
    client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`),
  );
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      asAdmin(async (client) => {
        await client.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      }),
  };
}

/** Runs `fn` with the URL of a fresh database, dropped afterwards whatever `fn` did. */
export async function withDatabase<T>(fn: (url: string) => Promise<T> | T, label?: string): Promise<T> {
  const database = await freshDatabase(label);
  try {
    return await fn(database.url);
  } finally {
    await database.drop();
  }
}

/** What startCluster takes and gives (the script is plain JavaScript, so its types are stated here). */
export type ClusterOptions = {
  fsync?: boolean;
  synchronousCommit?: "on" | "off" | "local" | "remote_write" | "remote_apply";
};
export type Cluster = {
  url: string;
  host: string;
  port: number;
  dataDir: string;
  version: string;
  stop(): Promise<void>;
};

/** A second throw-away server, independent of the run's, for tests that need one of their own. */
export async function startCluster(options?: ClusterOptions): Promise<Cluster> {
  const script = new URL("../../scripts/postgres-cluster.mjs", import.meta.url).href;
  const cluster = (await import(script)) as { startCluster(options?: ClusterOptions): Promise<Cluster> };
  return cluster.startCluster(options);
}
