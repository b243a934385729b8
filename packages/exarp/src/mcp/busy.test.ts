// Another connection holds the write lock: reads answer at once, a write is retried without blocking
// the event loop and then answered busy, a lease renewal waits for the lock in the background, and
// once the lock is free writes land and notifications flow. Real SQLite connections to one file
// (the stdio suite does the same across processes). Runs under Node and Bun.
import { join } from "node:path";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../test/support/expect.ts";
import { connectMcp } from "../../test/support/mcp.ts";
import { tempDir } from "../../test/support/temp.ts";
import { createExarp } from "../app/exarp.ts";
import { manualClock } from "../clock.ts";
import { SHORT_BUSY_TIMEOUT_MS } from "../kernel/busy.ts";
import { DEFAULT_LEASE_TTL_MS } from "../lease/lease.ts";
import { openDriver, type SqlDriver } from "../store/driver.ts";
import { openStore } from "../store/sqlite.ts";

const A = { agent: "agent:a", session: "s1" };
const READY = "exarp://tasks/ready";
/** How long a write retries in these tests (the product default is 10 s). */
const RETRY_MS = 400;
/**
 * A read must answer within this while the lock is held: half the retry period, so a read that
 * waited for the writer (it would wait the whole period) fails, while a slow shared machine does not.
 */
const PROMPT_MS = RETRY_MS / 2;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup() {
  const dir = tempDir();
  const path = join(dir, "exarp.db");
  const clock = manualClock();
  const store = openStore(path, { busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS });
  const exarp = createExarp({ store, clock, actor: { name: "agent:mcp", session: null }, auditDir: dir });
  cleanup.push(() => exarp.close());
  const id = exarp.tasks.create({ title: "x" }).id;
  exarp.as({ name: A.agent, session: A.session }).leases.claim({ taskId: id });
  const mcp = await connectMcp(exarp, { watchDir: dir, busyRetryMs: RETRY_MS });
  cleanup.push(() => mcp.close());
  let holder: SqlDriver | undefined;
  const lock = () => {
    holder = openDriver(path, { create: false });
    holder.exec("BEGIN IMMEDIATE");
  };
  const unlock = () => {
    if (holder?.inTransaction()) holder.exec("ROLLBACK");
    holder?.close();
    holder = undefined;
  };
  cleanup.push(unlock);
  return { exarp, clock, mcp, id, lock, unlock };
}

/** Runs `call` and returns how long it took. */
async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

describe("mcp while another process writes", () => {
  it("answers reads at once, retries a write without stalling them, then says busy and changes nothing", async () => {
    const { exarp, mcp, id, lock } = await setup();
    const head = exarp.store.maxSeq();
    lock();
    const reads: [string, Record<string, unknown>][] = [
      ["tasks", { action: "list" }],
      ["tasks", { action: "show", id }],
      ["tasks", { action: "ready" }],
      ["plan", {}],
      ["prime", { as: A }],
      ["history", { action: "list" }],
      ["claim", { action: "list" }],
      ["approval", { action: "list" }],
    ];
    for (const [tool, args] of reads) expect(await timed(() => mcp.ok(tool, args)), tool).toBeLessThan(PROMPT_MS);
    expect(await timed(() => mcp.client.readResource({ uri: READY }))).toBeLessThan(PROMPT_MS);
    // A claim of a task someone else holds is answered from what reads show, without the lock.
    expect(await mcp.ok("claim", { action: "claim", taskId: id })).toMatchObject({ acquired: false });

    let settled = false;
    const started = performance.now();
    const write = mcp.call("task_write", { action: "create", title: "blocked" }).finally(() => {
      settled = true;
    });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const [tool, args] = reads[i % reads.length] as [string, Record<string, unknown>];
      expect(await timed(() => mcp.ok(tool, args)), `${tool} during the retry`).toBeLessThan(PROMPT_MS);
    }
    expect(settled).toBe(false);
    const result = await write;
    expect(performance.now() - started).toBeGreaterThanOrEqual(RETRY_MS / 2);
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toMatch(
      /^busy: another process is writing; retried for .+; nothing was changed; call again in a moment$/,
    );
    expect(exarp.store.maxSeq()).toBe(head);
    expect(mcp.logs).toEqual([]);
  });

  it("renews a lease in the background once the lock is free, and writes and notifications resume", async () => {
    const { exarp, clock, mcp, id, lock, unlock } = await setup();
    const updated: string[] = [];
    mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    await mcp.client.subscribeResource({ uri: READY });
    clock.advance(DEFAULT_LEASE_TTL_MS * 0.6); // past half the TTL: A's next call renews it
    lock();
    expect(await timed(() => mcp.ok("tasks", { action: "list", as: A }))).toBeLessThan(PROMPT_MS);
    const lease = () => exarp.leases.list().find((l) => l.taskId === id)?.expiresAt;
    expect(lease()).toBeLessThan(clock.now() + DEFAULT_LEASE_TTL_MS);
    unlock();
    await until(() => lease() === clock.now() + DEFAULT_LEASE_TTL_MS, 2_000);

    const created = await mcp.ok("task_write", { action: "create", title: "after" });
    await until(() => updated.includes(READY), 5_000);
    expect(exarp.tasks.get(created.created.id).title).toBe("after");
    expect(mcp.logs).toEqual([]);
  });
});
