// Two (three) machines of a team on one PostgreSQL project over TCP (127.0.0.1): processes with their
// own checkouts, origins, HOSTNAME and agents, one machine's clock 10 minutes fast and another's 10
// minutes slow (Debian's faketime), racing for claims and leases. The store's clock is the server's,
// so exactly one process wins each race, the fast machine never steals a live lease (its own clock
// says it expired long ago), and the slow one never keeps a dead lease (its clock says it has ten
// minutes left). Always on PostgreSQL: this file runs once, in the sqlite project (it needs only
// EXARP_TEST_POSTGRES_URL, which with-postgres.mjs sets for the whole run).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExarp, type Exarp } from "../src/app/exarp.ts";
import { openPgStore } from "../src/store/postgres/open.ts";
import { freshPgUrl } from "./support/exarp.ts";
import { childEnv } from "./support/hermetic.ts";
import { jsonLinesChild, logCheck, worker } from "./support/processes.ts";

const MACHINE = worker("machine.mjs");
const TEN_MINUTES = 10 * 60_000;
/** Short leases, so that expiry is real waiting, bounded to a few seconds. */
const TTL_MS = 2_000;

type Machine = ReturnType<typeof jsonLinesChild> & { name: string; skewMs: number; origin: string };

/** Fails the file at once, loudly, where faketime is missing (CI installs it: apt-get install faketime). */
function requireFaketime() {
  const probe = spawnSync(
    "faketime",
    ["-f", "+10m", process.execPath, "-e", "process.stdout.write(String(Date.now()))"],
    {
      encoding: "utf8",
    },
  );
  if (probe.error || probe.status !== 0)
    throw new Error(
      `faketime is required by team-machines.test.ts and could not run (${probe.error?.message ?? probe.stderr}); install it: apt-get install faketime`,
    );
  const skew = Number(probe.stdout) - Date.now();
  if (Math.abs(skew - TEN_MINUTES) > 5_000)
    throw new Error(`faketime -f +10m gave a clock ${skew} ms off, not ten minutes: libfaketime is not preloaded`);
}

const url = freshPgUrl();
let team: Exarp;
let machines: Machine[] = [];
/** The machines' checkouts, kept for the whole file (temp.ts would remove them after the first test). */
const checkouts: string[] = [];

/** One process of a machine: its own checkout, HOSTNAME and agent, under faketime when skewed. */
async function start(name: string, skew: "+10m" | "-10m" | null): Promise<Machine> {
  const root = mkdtempSync(join(tmpdir(), "exarp-machine-"));
  checkouts.push(root);
  const env = childEnv({ EXARP_DATABASE_URL: url, HOSTNAME: `machine-${name}` });
  const child = skew
    ? jsonLinesChild("faketime", ["-f", skew, process.execPath, MACHINE, root, name], env)
    : jsonLinesChild(process.execPath, [MACHINE, root, name], env);
  const ready = await child.ready;
  expect(ready.hostname).toBe(`machine-${name}`);
  return {
    ...child,
    name,
    skewMs: skew === "+10m" ? TEN_MINUTES : skew === "-10m" ? -TEN_MINUTES : 0,
    origin: ready.origin,
  };
}

const byName = (name: string) => machines.find((m) => m.name === name) as Machine;

/** The server's time, read by this process's own store (its clock is the server's). */
const serverNow = () => team.store.clock.now();

/** Waits until the server's clock passes `at` (plus a margin), in real time. */
async function untilServerPasses(at: number) {
  while (serverNow() < at + 150) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  requireFaketime();
  team = createExarp({ store: openPgStore(url, { create: true }), actor: { name: "user:lead", session: null } });
  // Three machines, two processes each: one on time, one 10 min fast, one 10 min slow.
  machines = await Promise.all([
    start("on-time-1", null),
    start("on-time-2", null),
    start("fast-1", "+10m"),
    start("fast-2", "+10m"),
    start("slow-1", "-10m"),
    start("slow-2", "-10m"),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(machines.map((m) => m.stop()));
  team?.close();
  for (const root of checkouts) rmSync(root, { recursive: true, force: true });
});

describe("a team's machines on one PostgreSQL, clocks 10 minutes apart", () => {
  it("each process has its own origin; a skewed one's own clock is 10 min off while its store's clock is the server's", async () => {
    expect(new Set(machines.map((m) => m.origin)).size).toBe(machines.length);
    for (const m of machines) {
      const before = serverNow();
      const answer = await m.request("clock");
      const after = serverNow();
      expect(answer.ok, m.stderr()).toBe(true);
      // Within ~1 s of the server's time, whatever the machine's own clock says.
      expect(answer.storeNow, m.name).toBeGreaterThanOrEqual(before - 1000);
      expect(answer.storeNow, m.name).toBeLessThanOrEqual(after + 1000);
      expect(Math.abs(answer.dateNow - answer.storeNow - m.skewMs), `${m.name}: its own clock`).toBeLessThan(2000);
      console.log(
        `${m.name}: Date.now() − server ${Math.round((answer.dateNow - before) / 1000)} s, store clock − server ${answer.storeNow - before} ms`,
      );
    }
  });

  it("all six processes race for each task: exactly one winner per round, and the lease table agrees", async () => {
    const rounds = 8;
    const ids = Array.from({ length: rounds }, (_, i) => team.tasks.create({ title: `race ${i}` }).id);
    for (const [round, taskId] of ids.entries()) {
      const answers = await Promise.all(machines.map((m) => m.request("claim", { taskId })));
      for (const a of answers) expect(a.ok, JSON.stringify(a)).toBe(true);
      const winners = machines.filter((_, i) => answers[i].acquired);
      expect(
        winners.map((w) => w.name),
        `round ${round}`,
      ).toHaveLength(1);
      const winner = winners[0] as Machine;
      const lease = team.leases.list().find((l) => l.taskId === taskId);
      expect(lease).toMatchObject({ agent: `agent:${winner.name}`, live: true });
      // The lease runs 15 min (the default) by the server's clock, from whichever machine won.
      expect(Math.abs((lease?.expiresAt as number) - serverNow() - 15 * 60_000)).toBeLessThan(10_000);
      // Every loser was told who holds it.
      for (const [i, a] of answers.entries())
        if (!a.acquired) expect(a.holder, machines[i]?.name).toMatchObject({ agent: `agent:${winner.name}` });
    }
    // Each claim recorded with its process's origin and the server's time, not the machine's.
    const now = serverNow();
    for (const e of team.store.listEvents({ limit: 10_000 }).filter((e) => e.type === "lease.acquired")) {
      const m = machines.find((x) => `agent:${x.name}` === e.actor) as Machine;
      expect(e.origin).toBe(m.origin);
      expect(Math.abs(e.time - now), `${e.actor}'s event time`).toBeLessThan(60_000);
    }
    expect(logCheck(team.store).problems).toEqual([]);
  });

  it("the fast machine neither steals a live lease (its clock says it expired 10 min ago) nor is kept from it once expired", async () => {
    const taskId = team.tasks.create({ title: "held by on-time-1" }).id;
    const holder = byName("on-time-1");
    const claim = await holder.request("claim", { taskId, ttlMs: TTL_MS });
    expect(claim).toMatchObject({ ok: true, acquired: true });
    const { expiresAt } = claim.lease;
    for (const name of ["fast-1", "fast-2"]) {
      const m = byName(name);
      const { dateNow } = await m.request("clock");
      expect(dateNow - expiresAt, `${name}'s own clock is past the lease's end`).toBeGreaterThan(TEN_MINUTES - 10_000);
      const attempt = await m.request("claim", { taskId, ttlMs: TTL_MS });
      expect(attempt, name).toMatchObject({ ok: true, acquired: false, holder: { agent: "agent:on-time-1" } });
      // It sees the lease as live, and cannot edit the task under it.
      const { leases } = await m.request("leases");
      expect(leases.find((l: { taskId: string }) => l.taskId === taskId)).toMatchObject({ live: true });
      expect(await m.request("edit", { taskId, title: "stolen" })).toMatchObject({
        ok: false,
        error: { name: "LeaseConflict" },
      });
    }
    // The CLI on the fast machine (faketime reaches its child too) is refused the same way.
    const cli = await byName("fast-1").request("cli", {
      args: ["claim", taskId, "--ttl", "2", "--as", "agent:fast-cli", "--session", "c1", "--json"],
    });
    expect(cli.code, cli.stderr).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ acquired: false, holder: { agent: "agent:on-time-1" } });
    expect(team.tasks.get(taskId).title).toBe("held by on-time-1");

    // Once the server's clock passes the lease's end, the fast machine gets it: by the server's time.
    await untilServerPasses(expiresAt);
    const taken = await byName("fast-2").request("claim", { taskId, ttlMs: TTL_MS });
    expect(taken).toMatchObject({ ok: true, acquired: true, lease: { agent: "agent:fast-2" } });
    expect(taken.lease.acquiredAt).toBeGreaterThanOrEqual(expiresAt);
    expect(taken.lease.acquiredAt - expiresAt).toBeLessThan(10_000);
    const tail = team.store
      .listEvents({ limit: 10_000 })
      .filter((e) => JSON.stringify(e.payload).includes(taskId))
      .map((e) => [e.type, e.actor]);
    expect(tail.slice(-4)).toEqual([
      ["lease.expired", "agent:fast-2"],
      ["task.status_changed", "agent:fast-2"],
      ["lease.acquired", "agent:fast-2"],
      ["task.status_changed", "agent:fast-2"],
    ]);
  });

  it("the slow machine does not keep a dead lease (its clock says 10 min are left): it is swept and reclaimed", async () => {
    const taskId = team.tasks.create({ title: "held by slow-1" }).id;
    const slow = byName("slow-1");
    const claim = await slow.request("claim", { taskId, ttlMs: TTL_MS });
    expect(claim).toMatchObject({ ok: true, acquired: true });
    const { expiresAt, token } = claim.lease;
    // While it is live, nobody else gets it.
    expect(await byName("on-time-2").request("claim", { taskId })).toMatchObject({ ok: true, acquired: false });

    await untilServerPasses(expiresAt);
    const { dateNow } = await slow.request("clock");
    expect(expiresAt - dateNow, "slow-1's own clock: the lease has minutes left").toBeGreaterThan(TEN_MINUTES - 10_000);
    // The holder itself sees it dead: not among its leases, not renewable, and it may not act under it.
    const mine = await slow.request("mine");
    expect(mine.ok).toBe(true);
    expect(mine.leases.map((l: { taskId: string }) => l.taskId)).not.toContain(taskId);
    const { leases } = await slow.request("leases");
    expect(leases.find((l: { taskId: string }) => l.taskId === taskId)).toMatchObject({ token, live: false });
    expect(await slow.request("renew", { taskId, ttlMs: TTL_MS })).toMatchObject({
      ok: false,
      error: { name: "StaleLease" },
    });
    // The other slow process sweeps it, by the server's time.
    const swept = await byName("slow-2").request("sweep");
    expect(swept.ok, JSON.stringify(swept)).toBe(true);
    expect(swept.ended.map((l: { taskId: string }) => l.taskId)).toContain(taskId);
    // And another machine claims it; the old holder's write under its dead lease is refused.
    const taken = await byName("on-time-2").request("claim", { taskId, ttlMs: TTL_MS });
    expect(taken).toMatchObject({ ok: true, acquired: true, lease: { agent: "agent:on-time-2" } });
    expect(await slow.request("edit", { taskId, title: "kept" })).toMatchObject({
      ok: false,
      error: { name: "LeaseConflict" },
    });
    // The slow machine's CLI agrees with the server: the lease is on-time-2's.
    const cli = await slow.request("cli", { args: ["leases", "--json"] });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(cli.stdout))).toContain('"agent":"agent:on-time-2"');
    const expired = team.store
      .listEvents({ limit: 10_000 })
      .find((e) => e.type === "lease.expired" && JSON.stringify(e.payload).includes(taskId));
    expect(expired).toMatchObject({ actor: "agent:slow-2", origin: byName("slow-2").origin });
    expect(Math.abs((expired?.time as number) - serverNow())).toBeLessThan(60_000);
    expect(logCheck(team.store).problems).toEqual([]);
    expect(team.doctor().ok).toBe(true);
  });
});
