// Six checkouts running `exarp init --database URL` at the same moment against one empty PostgreSQL
// schema end with exactly one project: one init creates it, the others join it (never wipe it, never
// make it again), every one exits 0 and says which it did, every checkout then sees the same tasks,
// the log's hash chain verifies and the schema is at this exarp's version. A lost race is made
// certain, not left to luck: the schema's name is held in a transaction left open (CREATE SCHEMA,
// never committed) until the inits are lined up behind it, then let go, so they all go on at once.
// The same again with inits merely started together, on an empty schema made beforehand, and on a
// schema that already holds a project, which every init joins with its tasks and log intact.
// Real CLI processes. Always on PostgreSQL: this file runs once, in the sqlite project (it needs
// only EXARP_TEST_POSTGRES_URL, which with-postgres.mjs sets for the whole run).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PG_SCHEMA_VERSION } from "../src/store/postgres/schema.ts";
import { parsePgUrl } from "../src/store/postgres/url.ts";
import { CLI, type CliRun, collectOutput } from "./support/cli.ts";
import { childEnv } from "./support/hermetic.ts";
import { checkout, onSchema, shown, teamUrl } from "./support/team.ts";

/** How many checkouts race in each round. */
const CHECKOUTS = 6;
/** No child may run longer than this. */
const CHILD_TIMEOUT_MS = 20_000;
/**
 * How long the held name keeps the first init that reached it waiting for the others: well within
 * the 5 s an init waits for a lock before giving up as Busy.
 */
const LINE_UP_MS = 2_000;

/** `exarp …` in `root` as its own process (hermetic), not waited for: many run at once. */
function started(root: string, args: string[]): { done: Promise<CliRun>; exited: () => boolean } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: root,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collectOutput(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
  let exited = false;
  const done = new Promise<CliRun>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      exited = true;
      resolve({ code: code ?? -1, ...output });
    }),
  );
  return { done, exited: () => exited };
}

/** `exarp … --json` in each root at once; each must succeed. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
async function jsonInEach(roots: string[], args: string[]): Promise<any[]> {
  const runs = await Promise.all(roots.map((root) => started(root, [...args, "--json"]).done));
  return runs.map((r, i) => {
    expect(r.code, `exarp ${args.join(" ")} in checkout ${i}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the name of `url`'s schema in a transaction left open (CREATE SCHEMA, not committed): an
 * init that gets as far as making the schema waits for it. `letGo` waits until `count` processes
 * are waiting behind it (directly, or behind another that waits for it), or LINE_UP_MS after the
 * first one did, or until every racer has ended; then rolls back (the schema was never made, all
 * waiting go on at the same instant) and says how many were lined up.
 */
async function holdSchemaName(url: string) {
  const { connectionString, schema } = parsePgUrl(url);
  const connect = async () => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
    await client.connect();
    return client;
  };
  const holder = await connect();
  // Another connection watches: pg_stat_activity stays as it was first read within a transaction.
  const watcher = await connect();
  await holder.query(`BEGIN; CREATE SCHEMA "${schema}"`);
  const pid = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
  const linedUp = async () => {
    const { rows } = await watcher.query<{ pid: number; blockers: number[] }>(
      "SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    );
    const behind = new Set([pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const row of rows)
        if (!behind.has(row.pid) && row.blockers.some((b) => behind.has(b))) {
          behind.add(row.pid);
          grew = true;
        }
    }
    return behind.size - 1;
  };
  return {
    async letGo(count: number, ended: () => boolean): Promise<number> {
      const deadline = Date.now() + CHILD_TIMEOUT_MS;
      let firstAt: number | undefined;
      let waiting = 0;
      try {
        while (Date.now() < deadline && !ended()) {
          waiting = await linedUp();
          if (waiting >= count) break;
          if (waiting > 0) firstAt ??= Date.now();
          if (firstAt !== undefined && Date.now() - firstAt > LINE_UP_MS) break;
          await sleep(10);
        }
      } finally {
        await holder.query("ROLLBACK");
        await holder.end();
        await watcher.end();
      }
      return waiting;
    },
  };
}

/** Fresh checkouts (a folder with `.git`, nothing else). */
const checkouts = (n: number) => Array.from({ length: n }, () => checkout().root);

const initArgs = (url: string) => ["init", "--database", url, "--json"];

/**
 * What every round must end with: each init exited 0 and said so on stdout only; exactly one created
 * the project and every other joined it, empty; every checkout saved the URL; the schema is at this
 * exarp's version; tasks added in two checkouts are what every checkout lists; the chain verifies.
 */
async function oneProject(url: string, roots: string[], inits: CliRun[]) {
  inits.forEach((r, i) => {
    expect(r.code, `init in checkout ${i} of ${inits.length}: ${r.stderr}`).toBe(0);
    expect(r.stderr).toBe("");
  });
  const answers = inits.map((r) => JSON.parse(r.stdout).database);
  for (const a of answers) expect(a).toMatchObject({ backend: "postgres", location: shown(url), events: 0 });
  expect(answers.map((a) => a.created).sort(), "exactly one init says it created the project").toEqual([
    ...Array(roots.length - 1).fill(false),
    true,
  ]);
  for (const root of roots)
    expect(JSON.parse(readFileSync(join(root, ".exarp", "config.json"), "utf8")).database).toEqual({
      url: shown(url),
    });
  expect(await onSchema(url, "SELECT schema_version AS version FROM exarp_meta")).toEqual([
    { version: PG_SCHEMA_VERSION },
  ]);

  const first = roots[0] as string;
  const last = roots.at(-1) as string;
  const added = await jsonInEach([first, last], ["add", "Added in one checkout"]);
  const ids = added.map((a) => a.task.id).sort();
  const [lists, [doctor], [schema]] = await Promise.all([
    jsonInEach(roots, ["list"]),
    jsonInEach([roots[1] as string], ["doctor"]),
    jsonInEach([last], ["schema"]),
  ]);
  for (const listed of lists) expect(listed.tasks.map((t: { id: string }) => t.id).sort()).toEqual(ids);
  expect(doctor.ok, JSON.stringify(doctor.checks)).toBe(true);
  expect(doctor.checks.find((c: { name: string }) => c.name === "chain").summary).toBe(
    "2 events in the database, hash chain intact",
  );
  expect(schema).toMatchObject({ version: PG_SCHEMA_VERSION, writes: PG_SCHEMA_VERSION, usable: true });
}

describe(`${CHECKOUTS} checkouts running \`exarp init --database URL\` at the same moment`, () => {
  it("lined up behind the name of a schema not made yet, then let go at once: one creates, the rest join, all exit 0", async () => {
    const url = teamUrl();
    const roots = checkouts(CHECKOUTS);
    const gate = await holdSchemaName(url);
    const racers = roots.map((root) => started(root, initArgs(url)));
    const linedUp = await gate.letGo(CHECKOUTS, () => racers.every((r) => r.exited()));
    // The race happened: at least two inits were waiting to make the schema when it was let go.
    expect(linedUp).toBeGreaterThanOrEqual(2);
    await oneProject(url, roots, await Promise.all(racers.map((r) => r.done)));
  });

  it("started together, on a fresh schema each time, twice over", async () => {
    for (let round = 0; round < 2; round++) {
      const url = teamUrl();
      const roots = checkouts(CHECKOUTS);
      await oneProject(url, roots, await Promise.all(roots.map((root) => started(root, initArgs(url)).done)));
    }
  });

  it("on an empty schema the database's administrator made beforehand", async () => {
    const url = teamUrl();
    await onSchema(url, `CREATE SCHEMA "${parsePgUrl(url).schema}"`);
    const roots = checkouts(CHECKOUTS);
    await oneProject(url, roots, await Promise.all(roots.map((root) => started(root, initArgs(url)).done)));
  });

  it("on a schema that already holds a project: every one joins, its tasks and its log left as they were", async () => {
    const url = teamUrl();
    const owner = checkout();
    expect(owner.exarp(["init", "--database", url]).code).toBe(0);
    const titles = ["one", "two", "three"];
    for (const title of titles) expect(owner.exarp(["add", title]).code).toBe(0);
    const log = await onSchema(url, "SELECT seq, hash FROM events ORDER BY seq");

    // The checkout that made it runs init again among the newcomers.
    const roots = [owner.root, ...checkouts(CHECKOUTS - 1)];
    const inits = await Promise.all(roots.map((root) => started(root, initArgs(url)).done));
    inits.forEach((r, i) => {
      expect(r.code, `init in checkout ${i}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout).database).toMatchObject({ location: shown(url), created: false, events: 3 });
    });
    expect(await onSchema(url, "SELECT seq, hash FROM events ORDER BY seq")).toEqual(log);
    for (const listed of await jsonInEach(roots, ["list"]))
      expect(listed.tasks.map((t: { title: string }) => t.title).sort()).toEqual([...titles].sort());
    expect(await onSchema(url, "SELECT schema_version AS version FROM exarp_meta")).toEqual([
      { version: PG_SCHEMA_VERSION },
    ]);
  });
});
