// Racing claims on PostgreSQL sort themselves out without the project's write lock (begin.ts): a claim
// that meets another claim of the same task in flight waits for that claim alone and loses to it, and
// `ready --claim` steps around tasks others are claiming (as SKIP LOCKED would). Shown while another
// connection holds the write lock, so that every claim in flight stays in flight, and read from the
// server's own lock table. Always on PostgreSQL: this file runs once, in the sqlite project (it needs
// only EXARP_TEST_POSTGRES_URL, which with-postgres.mjs sets for the whole run).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExarp, type Exarp } from "../src/app/exarp.ts";
import { lockKey } from "../src/store/postgres/begin.ts";
import { openPgStore } from "../src/store/postgres/open.ts";
import { parsePgUrl } from "../src/store/postgres/url.ts";
import { freshPgUrl, holdPgWriteLock } from "./support/exarp.ts";
import { childEnv } from "./support/hermetic.ts";
import { jsonLinesChild, logCheck, worker } from "./support/processes.ts";

const MACHINE = worker("machine.mjs");
const url = freshPgUrl();
/** The first advisory key of this project's claims, as pg_locks shows it (an oid: unsigned). */
const space = lockKey(`exarp.claims.${parsePgUrl(url).schema}`) >>> 0;
let lead: Exarp;
let server: pg.Client;
const checkouts: string[] = [];
type Agent = ReturnType<typeof jsonLinesChild>;
const agents: Agent[] = [];

/** An agent process (test/workers/machine.mjs) with its own checkout, acting as agent:NAME. */
async function agent(name: string): Promise<Agent> {
  const root = mkdtempSync(join(tmpdir(), "exarp-claims-"));
  checkouts.push(root);
  const child = jsonLinesChild(process.execPath, [MACHINE, root, name], childEnv({ EXARP_DATABASE_URL: url }));
  await child.ready;
  agents.push(child);
  return child;
}

type Locks = { keysHeld: number[]; keysWaited: number[]; writeLockWaiters: number };

/** This project's claim keys held and waited for, and how many connections queue for its write lock. */
async function locks(): Promise<Locks> {
  const keys = await server.query<{ objid: string; granted: boolean }>(
    "SELECT objid::text, granted FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid = $1::oid",
    [space],
  );
  // A writer queued behind the holder of exarp_meta's row waits for the holder's transaction id.
  const waiters = await server.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_locks w JOIN pg_stat_activity a ON a.pid = w.pid
      WHERE w.locktype = 'transactionid' AND NOT w.granted AND a.datname = current_database()`,
  );
  const key = (r: { objid: string }) => Number(r.objid) | 0;
  return {
    keysHeld: keys.rows.filter((r) => r.granted).map(key),
    keysWaited: keys.rows.filter((r) => !r.granted).map(key),
    writeLockWaiters: Number(waiters.rows[0]?.n ?? 0),
  };
}

/** Polls the lock table until `ok` holds (or fails after 10 s, showing the last state). */
async function until(ok: (l: Locks) => boolean): Promise<Locks> {
  const deadline = Date.now() + 10_000;
  let last = await locks();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`locks never got there: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await locks();
  }
  return last;
}

beforeAll(async () => {
  lead = createExarp({ store: openPgStore(url, { create: true }), actor: { name: "user:lead", session: null } });
  const u = new URL(url);
  u.searchParams.delete("schema");
  server = new pg.Client({ connectionString: u.href });
  await server.connect();
}, 30_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await server?.end();
  lead?.close();
  for (const root of checkouts) rmSync(root, { recursive: true, force: true });
});

describe("claims on PostgreSQL, without queueing for the write lock", () => {
  it("a claim meeting another claim of the same task in flight waits for that claim only, and loses to it", async () => {
    const [a, b] = await Promise.all([agent("a"), agent("b")]);
    const task = lead.tasks.create({ title: "raced for" });
    const release = holdPgWriteLock(url);
    let released = false;
    try {
      const first = a.request("claim", { taskId: task.id });
      // a holds the task's key and queues for the write lock.
      await until((l) => l.keysHeld.includes(lockKey(task.id)) && l.writeLockWaiters === 1);
      const second = b.request("claim", { taskId: task.id });
      // b waits for a's key, not for the write lock: still one writer queued there.
      const during = await until((l) => l.keysWaited.includes(lockKey(task.id)));
      expect(during.writeLockWaiters).toBe(1);
      release();
      released = true;
      const [won, lost] = await Promise.all([first, second]);
      expect(won, a.stderr()).toMatchObject({ ok: true, acquired: true });
      expect(lost, b.stderr()).toMatchObject({ ok: true, acquired: false, holder: { agent: "agent:a" } });
    } finally {
      if (!released) release();
    }
    const claims = lead.history.list({ taskId: task.id }).filter((e) => e.type === "lease.acquired");
    expect(claims).toHaveLength(1);
    expect(logCheck(lead.store).problems).toEqual([]);
  }, 30_000);

  it("a rival claim killed while in flight: the waiting claim goes on under the write lock and wins", async () => {
    const [c, d] = await Promise.all([agent("c"), agent("d")]);
    const task = lead.tasks.create({ title: "left by a dead claimant" });
    const release = holdPgWriteLock(url);
    let released = false;
    try {
      void c.request("claim", { taskId: task.id }).catch(() => undefined);
      await until((l) => l.keysHeld.includes(lockKey(task.id)));
      const second = d.request("claim", { taskId: task.id });
      await until((l) => l.keysWaited.includes(lockKey(task.id)));
      c.child.kill("SIGKILL");
      // c's server process gives up its wait for the write lock (at lock_timeout, if not sooner) and
      // its key goes with it: d finds no lease and queues for the write lock itself.
      await until((l) => !l.keysWaited.includes(lockKey(task.id)) && l.writeLockWaiters === 1);
      release();
      released = true;
      expect(await second, d.stderr()).toMatchObject({ ok: true, acquired: true });
    } finally {
      if (!released) release();
    }
    expect(lead.leases.list().filter((l) => l.taskId === task.id)).toMatchObject([{ agent: "agent:d" }]);
  }, 30_000);

  it("ready --claim steps around the task another agent is claiming and takes the next one, without waiting for it", async () => {
    const [e, f] = await Promise.all([agent("e"), agent("f")]);
    const best = lead.tasks.create({ title: "best", priority: "high" });
    const next = lead.tasks.create({ title: "next", priority: "medium" });
    lead.tasks.create({ title: "last", priority: "low" });
    const release = holdPgWriteLock(url);
    let released = false;
    try {
      const first = e.request("claimNext");
      await until((l) => l.keysHeld.includes(lockKey(best.id)));
      const second = f.request("claimNext");
      // f picked the next task's key at once, though e's claim of the best one is still in flight.
      const during = await until((l) => l.keysHeld.includes(lockKey(next.id)));
      expect(during.keysWaited).toEqual([]);
      release();
      released = true;
      const [one, two] = await Promise.all([first, second]);
      expect(one, e.stderr()).toMatchObject({ ok: true, acquired: true, task: { id: best.id } });
      expect(two, f.stderr()).toMatchObject({ ok: true, acquired: true, task: { id: next.id } });
    } finally {
      if (!released) release();
    }
  }, 30_000);
});
