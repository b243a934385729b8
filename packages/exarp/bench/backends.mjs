// The two store backends the side-by-side benches run on, in the same invocation:
//   sqlite    the project's own .exarp/exarp.db (the default mode);
//   postgres  team mode: .exarp/config.json names a PostgreSQL schema ({"database":{"url":…}}), so
//             openProject/initProject — here and in every worker process — open PostgreSQL instead.
// PostgreSQL is EXARP_BENCH_POSTGRES_URL when given (each project gets its own schema there, dropped at
// the end), else a throw-away cluster started here with fsync=on and synchronous_commit=on (what a real
// server pays per commit) and stopped at the end. BENCH_BACKENDS=sqlite (or =postgres) runs one only.
// Figures go to a per-script table with a column per backend (sideBySide) and, when BENCH_SUMMARY_FILE
// is set (run-all.mjs sets it), to that file as JSON lines for the combined table run-all prints.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startCluster } from "../scripts/postgres-cluster.mjs";
import { tempDir } from "./util.mjs";

// The backend is chosen per project by config.json below; a team URL in the shell would override it.
delete process.env.EXARP_DATABASE_URL;
delete process.env.EXARP_DATABASE_PASSWORD_ENV;

export const BACKEND_NAMES = (process.env.BENCH_BACKENDS ?? "sqlite,postgres")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

/** `url` with `?schema=` set (and nothing else changed). */
function withSchema(url, schema) {
  const u = new URL(url);
  u.searchParams.set("schema", schema);
  return u.href;
}

/** `url` naming another database on the same server. */
function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

/** Runs `fn(client)` on a short-lived node-postgres connection to `url` (exarp's own `schema` parameter removed). */
export async function withClient(url, fn) {
  const u = new URL(url);
  u.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: u.href, application_name: "exarp-bench" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const sqliteBackend = () => ({
  name: "sqlite",
  label: "sqlite",
  describe: "SQLite .exarp/exarp.db (WAL)",
  /** A fresh folder; initProject creates .exarp/exarp.db in it. */
  root: () => tempDir(),
});

/** Runs `command` (ANALYZE, VACUUM ANALYZE) on every table of `schema`. */
async function maintain(url, schema, command) {
  await withClient(url, async (c) => {
    const { rows } = await c.query("SELECT tablename FROM pg_tables WHERE schemaname = $1", [schema]);
    const tables = rows.map((r) => `${quoteIdent(schema)}.${quoteIdent(r.tablename)}`);
    if (tables.length) await c.query(`${command} ${tables.join(", ")}`);
  });
}

let schemaCount = 0;
/** The schema of each PostgreSQL project root made here. */
const schemaOfRoot = new Map();
function postgresBackend({ url, label, describe, schemas }) {
  return {
    name: "postgres",
    label,
    describe,
    url,
    /** ANALYZE every table of the project at `root` (what autovacuum does within a minute of a bulk load). */
    analyze: (root) => maintain(url, schemaOfRoot.get(root), "ANALYZE"),
    /** VACUUM ANALYZE every table of the project at `root` (autovacuum's work after many updates). */
    vacuum: (root) => maintain(url, schemaOfRoot.get(root), "VACUUM ANALYZE"),
    /** A fresh folder whose .exarp/config.json names a fresh schema; initProject creates the project there. */
    root() {
      const root = tempDir();
      const schema = `bench_${process.pid}_${++schemaCount}`;
      schemas.push({ url, schema });
      schemaOfRoot.set(root, schema);
      mkdirSync(join(root, ".exarp"), { recursive: true });
      writeFileSync(
        join(root, ".exarp", "config.json"),
        `${JSON.stringify({ database: { url: withSchema(url, schema) } })}\n`,
      );
      return root;
    },
  };
}

/**
 * Imports an export text (header optional, task lines in dependency order) into the project `exarp` open
 * at `root`. On SQLite in one go. On PostgreSQL in chunks of BENCH_PG_IMPORT_CHUNK (default 1000) task
 * lines, each followed by ANALYZE, and ANALYZE once more at the end: one big import there is quadratic
 * (the per-task UPDATE of open_blockers keeps a plan made when the tables were empty, a sequential scan
 * of tasks; 10k tasks / 30k dependencies take ~9 minutes), while a team database that autovacuum
 * analyzes gets index plans. Returns the milliseconds spent.
 */
export async function importInto(backend, exarp, root, text) {
  const start = performance.now();
  if (backend.name !== "postgres") {
    exarp.transfer.importText(text);
    return performance.now() - start;
  }
  const chunk = Number(process.env.BENCH_PG_IMPORT_CHUNK ?? 1000);
  const lines = text.split("\n").filter((l) => l && !l.includes('"kind":"exarp.export"'));
  const tasks = lines.filter((l) => l.startsWith('{"kind":"task"'));
  const rest = lines.filter((l) => !l.startsWith('{"kind":"task"')); // comments: with the last chunk
  for (let i = 0; i < tasks.length; i += chunk) {
    const part = tasks.slice(i, i + chunk);
    if (i + chunk >= tasks.length) part.push(...rest);
    exarp.transfer.importText(`${part.join("\n")}\n`);
    await backend.analyze(root);
  }
  return performance.now() - start;
}

/** The server's version and the two settings that decide what a commit costs, as one phrase. */
export async function serverFacts(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc",
    );
    const r = rows[0];
    return { version: r.version, settings: `fsync=${r.fsync} synchronous_commit=${r.sc}` };
  });
}

/**
 * Opens the selected backends: `{ list, postgres, asyncCommit(), close() }`. `list` is in run order
 * (sqlite first). `asyncCommit()` gives a postgres backend on the same server whose database has
 * synchronous_commit=off (commits do not wait for the WAL flush), for one comparison line; undefined
 * when the server will not make that database.
 */
export async function openBackends() {
  const list = [];
  const schemas = [];
  const extraDatabases = [];
  let cluster;
  let postgres;
  if (BACKEND_NAMES.includes("sqlite")) list.push(sqliteBackend());
  if (BACKEND_NAMES.includes("postgres")) {
    try {
      const given = process.env.EXARP_BENCH_POSTGRES_URL;
      let where;
      if (given) {
        where = process.env.BENCH_POSTGRES_ORIGIN ?? `EXARP_BENCH_POSTGRES_URL ${new URL(given).host}`;
      } else {
        cluster = await startCluster({ fsync: true, synchronousCommit: "on" });
        where = `throw-away cluster on ${cluster.host}:${cluster.port}`;
      }
      const url = given ?? cluster.url;
      const facts = await serverFacts(url);
      postgres = postgresBackend({
        url,
        label: "postgres",
        describe: `PostgreSQL ${facts.version}, ${where}, ${facts.settings}`,
        schemas,
      });
      postgres.version = facts.version;
      list.push(postgres);
    } catch (error) {
      await cluster?.stop().catch(() => undefined);
      cluster = undefined;
      console.log(`!! postgres backend unavailable, its column stays empty: ${error.message}`);
    }
  }
  for (const b of list) console.log(`backend ${b.label}: ${b.describe}`);
  return {
    list,
    postgres,
    async asyncCommit() {
      if (!postgres) return undefined;
      const database = `exarp_bench_async_${process.pid}`;
      try {
        await withClient(postgres.url, async (c) => {
          await c.query(`CREATE DATABASE ${quoteIdent(database)}`);
          await c.query(`ALTER DATABASE ${quoteIdent(database)} SET synchronous_commit = off`);
        });
      } catch (error) {
        console.log(`  (no synchronous_commit=off comparison: ${error.message})`);
        return undefined;
      }
      extraDatabases.push(database);
      const url = withDatabase(postgres.url, database);
      const facts = await serverFacts(url);
      return postgresBackend({
        url,
        label: "postgres sc=off",
        describe: `PostgreSQL ${facts.version}, database ${database}, ${facts.settings}`,
        schemas,
      });
    },
    /** Drops what was made on a given server, stops a cluster started here. */
    async close() {
      if (cluster) {
        await cluster.stop();
        return;
      }
      if (!postgres) return;
      const mainSchemas = schemas.filter((s) => s.url === postgres.url);
      await withClient(postgres.url, async (c) => {
        for (const { schema } of mainSchemas) await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
        for (const database of extraDatabases)
          await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
      }).catch((error) => console.log(`  (cleanup on the given server failed: ${error.message})`));
    },
  };
}

/**
 * What the server counted so far: transactions of the current database (commits, rollbacks) and, from
 * pg_stat_wal (PostgreSQL 14+), WAL flushes and records of the whole server. Waits first for the
 * backends' statistics to be flushed (PostgreSQL flushes them at most once a second).
 */
export async function serverCounters(url, { settleMs = 1200 } = {}) {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return withClient(url, async (c) => {
    await c.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await c.query(
      "SELECT xact_commit::float8 AS commit, xact_rollback::float8 AS rollback FROM pg_stat_database WHERE datname = current_database()",
    );
    const wal = await c
      .query("SELECT wal_sync::float8 AS sync, wal_records::float8 AS records FROM pg_stat_wal")
      .then((r) => r.rows[0])
      .catch(() => undefined);
    return {
      commit: Number(rows[0].commit),
      rollback: Number(rows[0].rollback),
      walSync: wal ? Number(wal.sync) : Number.NaN,
      walRecords: wal ? Number(wal.records) : Number.NaN,
    };
  });
}

/** `after − before` of serverCounters, per `n` (e.g. per attempt). */
export const perUnit = (before, after, n) => ({
  commits: (after.commit - before.commit) / n,
  rollbacks: (after.rollback - before.rollback) / n,
  wal_syncs: (after.walSync - before.walSync) / n,
  wal_records: (after.walRecords - before.walRecords) / n,
});

// ---- the side-by-side table ------------------------------------------------------------------------

const summary = [];
const script = basename(process.argv[1] ?? "");

const fmt = (v) =>
  v === undefined || v === null
    ? "—"
    : typeof v !== "number"
      ? String(v)
      : Number.isNaN(v)
        ? "NaN"
        : Number.isInteger(v) || Math.abs(v) >= 100
          ? String(Math.round(v))
          : v.toPrecision(3);

/** A target: `{ max }` or `{ min }` for the backends named in `for` (default postgres only). */
export const describeTarget = (target) =>
  target ? `${target.min !== undefined ? `≥ ${target.min}` : `≤ ${target.max}`} (${target.for.join("+")})` : "";

const meets = (target, v) => typeof v === "number" && (target.min !== undefined ? v >= target.min : v <= target.max);

/**
 * Records one figure of one backend for the table (`metric` names the unit, e.g. "claim attempts/s");
 * `target` ({ min } or { max }, for: backend names) marks it met or missed.
 */
export function figure(metric, backend, value, target) {
  const row = { script, metric, backend, value, target: target && { for: ["postgres"], ...target } };
  summary.push(row);
  if (process.env.BENCH_SUMMARY_FILE) appendFileSync(process.env.BENCH_SUMMARY_FILE, `${JSON.stringify(row)}\n`);
}

/** Prints rows (`{ metric, backend, value, target }`) as a table: one line per metric, one column per backend. */
export function printTable(title, rows, columns) {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const cols = columns ?? [...new Set(rows.map((r) => r.backend))];
  const width = Math.max(40, ...metrics.map((m) => m.length + 2));
  const cell = (s) => String(s).padStart(Math.max(12, ...cols.map((c) => c.length)) + 2);
  console.log(
    `\n${title} (load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")})`,
  );
  console.log(`${"".padEnd(width)}${cols.map(cell).join("")}   target`);
  for (const metric of metrics) {
    const of = rows.filter((r) => r.metric === metric);
    const target = of.find((r) => r.target)?.target;
    const values = cols.map((c) => of.find((r) => r.backend === c)?.value);
    let verdict = "";
    if (target) {
      const checked = cols.flatMap((c, i) => (target.for.includes(c) && values[i] !== undefined ? [values[i]] : []));
      verdict = `${describeTarget(target)}${checked.length ? (checked.every((v) => meets(target, v)) ? "  met" : "  MISSED") : ""}`;
    }
    console.log(`${metric.padEnd(width)}${values.map((v) => cell(fmt(v))).join("")}   ${verdict}`.trimEnd());
  }
}

/** The table of this script's figures. */
export function sideBySide(title = `${script} side by side`) {
  if (summary.length) printTable(title, summary);
}
