// The tool matrix through the real SDK client (in-memory transport): every tool and action, its
// refusals as `isError` results, and who acts. Runs under Node and Bun.
import { afterEach, describe, expect, it } from "vitest";
import { testExarp } from "../../test/support/exarp.ts";
import { until } from "../../test/support/expect.ts";
import { connectMcp } from "../../test/support/mcp.ts";

const A = { agent: "agent:a", session: "s1" };
const B = { agent: "agent:b", session: "s2" };
/** A person: decides reviews through the library (or the CLI), never through MCP. */
const ANA = { name: "user:ana", session: null };
const MIN = 60_000;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function setup(options: Parameters<typeof testExarp>[0] = {}) {
  const t = testExarp({ leaseTtlMs: 15 * MIN, ...options });
  const mcp = await connectMcp(t.exarp);
  open.push({
    close: async () => {
      await mcp.close();
      t.exarp.close();
    },
  });
  const create = async (title: string, extra: Record<string, unknown> = {}) =>
    (await mcp.ok("task_write", { action: "create", title, ...extra })).created.id as string;
  return { ...t, mcp, create };
}

describe("mcp tools", () => {
  it("lists exactly the eight tools, each with an object input schema and a description", async () => {
    const { mcp } = await setup();
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "tasks",
      "task_write",
      "task_status",
      "claim",
      "plan",
      "approval",
      "history",
      "prime",
    ]);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe("object");
      expect(t.description?.length).toBeGreaterThan(80);
    }
    expect(mcp.client.getInstructions()).toContain("task_status to=review");
    expect(mcp.client.getInstructions()).toContain("Calls act as tester unless");
  });

  it("returns structuredContent, the same JSON as the text, from the tools with an output schema; refusals are text only", async () => {
    const { mcp, create } = await setup();
    const { tools } = await mcp.client.listTools();
    const typed = tools.filter((t) => t.outputSchema).map((t) => t.name);
    expect(typed).toEqual(["task_write", "task_status", "claim", "approval", "history"]);
    const id = await create("x");
    // The client validated each against its schema (it listed the tools first); `ok` compared the text.
    const claimed = await mcp.call("claim", { action: "claim", taskId: id, as: A });
    expect(claimed.structuredContent).toMatchObject({ acquired: true, lease: { taskId: id, holder: "agent:a/s1" } });
    expect(claimed.structuredContent).toEqual(JSON.parse((claimed.content[0] as { text: string }).text));
    for (const [name, args] of [
      ["tasks", { action: "list" }],
      ["plan", {}],
      ["prime", {}],
    ] as const) {
      const result = await mcp.call(name, args);
      expect(result.isError, name).toBeUndefined();
      expect(result.structuredContent, name).toBeUndefined();
    }
    const refused = await mcp.call("claim", { action: "claim", taskId: id, as: B });
    expect(refused.structuredContent).toMatchObject({ acquired: false });
    const error = await mcp.call("task_status", { id, to: "done" });
    expect(error).toEqual({ isError: true, content: [{ type: "text", text: expect.stringContaining("cannot move") }] });
  });

  it("task_write creates, edits (null clears), comments, and links with cycles refused by name", async () => {
    const { mcp, exarp, create } = await setup();
    const design = await create("Design schema", { priority: "high", tags: ["db"], estimate: 60 });
    const api = await create("Invoice API", { dependsOn: [design], assignee: "agent:a", parentId: design });
    expect(exarp.tasks.get(api)).toMatchObject({ dependsOn: [design], assignee: "agent:a", parentId: design });

    const edited = await mcp.ok("task_write", { action: "edit", id: api, title: "Invoices API", assignee: null });
    const version = exarp.tasks.get(api).version;
    expect(edited.task).toMatchObject({ id: api, title: "Invoices API", version });
    expect(exarp.tasks.get(api).assignee).toBeNull();

    const stale = { action: "edit", id: api, title: "x", expectedVersion: version - 1 };
    expect(await mcp.refused("task_write", stale)).toContain(`is at version ${version}, not ${version - 1}`);

    const c = await mcp.ok("task_write", { action: "comment", id: api, body: "use the v2 schema" });
    expect(c.comment).toMatchObject({ taskId: api, by: "tester" });

    const cycle = await mcp.refused("task_write", { action: "depend", id: design, blockerId: api });
    expect(cycle).toBe(`that dependency would close a cycle: ${design} → ${api} → ${design}`);
    const third = await create("Docs");
    expect((await mcp.ok("task_write", { action: "depend", id: third, blockerId: api })).dependsOn).toEqual([api]);
    expect((await mcp.ok("task_write", { action: "undepend", id: third, blockerId: api })).dependsOn).toEqual([]);
    expect(exarp.tasks.get(third).dependsOn).toEqual([]);
  });

  it("tasks lists open work with filters and a limit, shows one task whole, and finds ready and next work", async () => {
    const { mcp, exarp, create } = await setup();
    const db = await create("Schema", { tags: ["db"], priority: "high" });
    const api = await create("API", { tags: ["api"], dependsOn: [db], description: "REST, JSON" });
    const docs = await create("Docs", { tags: ["docs"], priority: "low" });
    exarp.tasks.setStatus({ id: docs, to: "cancelled" });

    const list = await mcp.ok("tasks", { action: "list" });
    expect(list.tasks.map((t: { id: string }) => t.id).sort()).toEqual([api, db].sort());
    expect(list.tasks[0]).not.toHaveProperty("description");
    expect((await mcp.ok("tasks", { action: "list", status: ["cancelled"] })).tasks).toHaveLength(1);
    expect((await mcp.ok("tasks", { action: "list", tags: ["api"] })).tasks.map((t: { id: string }) => t.id)).toEqual([
      api,
    ]);
    expect((await mcp.ok("tasks", { action: "list", text: "rest" })).tasks).toHaveLength(1);
    const limited = await mcp.ok("tasks", { action: "list", limit: 1 });
    expect(limited.tasks).toHaveLength(1);
    expect(limited.more).toContain("more than 1");

    await mcp.ok("task_write", { action: "comment", id: api, body: "first" });
    const shown = await mcp.ok("tasks", { action: "show", id: api });
    expect(shown).toMatchObject({ id: api, description: "REST, JSON", dependsOn: [db], comments: [{ body: "first" }] });
    expect(shown.notReady.join(" ")).toContain(db);

    expect((await mcp.ok("tasks", { action: "ready" })).ready.map((t: { id: string }) => t.id)).toEqual([db]);
    expect((await mcp.ok("tasks", { action: "next", can: ["api"] })).next).toBeNull();
    expect((await mcp.ok("tasks", { action: "next", can: ["db"] })).next).toMatchObject({ id: db, unblocks: 1 });
    expect(await mcp.refused("tasks", { action: "show", id: "T-none" })).toBe("task T-none not found");
  });

  it("claim leases to the caller, tells a second agent who holds it, renews, releases and lists", async () => {
    const { mcp, exarp, create, clock } = await setup();
    const t1 = await create("one", { tags: ["db"] });
    const t2 = await create("two", { tags: ["api"] });

    const won = await mcp.ok("claim", { action: "claim", taskId: t1, as: A });
    expect(won).toMatchObject({ acquired: true, renewed: false, lease: { taskId: t1, holder: "agent:a/s1" } });
    expect(exarp.tasks.get(t1).status).toBe("in_progress");

    const lost = await mcp.ok("claim", { action: "claim", taskId: t1, as: B });
    expect(lost).toMatchObject({ acquired: false, holder: { holder: "agent:a/s1" } });
    expect(lost.note).toContain("pick another task");

    // B is not offered A's task; claiming "whatever is best" with a capability picks t2.
    const picked = await mcp.ok("claim", { action: "claim", can: ["api"], as: B });
    expect(picked).toMatchObject({ acquired: true, task: { id: t2 }, lease: { holder: "agent:b/s2" } });
    expect(await mcp.ok("claim", { action: "claim", can: ["api"], as: B })).toMatchObject({ acquired: false });

    clock.advance(10 * MIN);
    const renewed = await mcp.ok("claim", { action: "renew", taskId: t1, ttlMs: 20 * MIN, as: A });
    expect(Date.parse(renewed.lease.expiresAt)).toBe(clock.now() + 20 * MIN);
    expect(await mcp.refused("claim", { action: "release", taskId: t1, as: B })).toContain("agent:a/s1");

    const { leases } = await mcp.ok("claim", { action: "list" });
    expect(leases.map((l: { taskId: string }) => l.taskId).sort()).toEqual([t1, t2].sort());
    await mcp.ok("claim", { action: "release", taskId: t1, as: A });
    await mcp.ok("claim", { action: "release", taskId: t2, force: true });
    expect((await mcp.ok("claim", { action: "list" })).leases).toEqual([]);
  });

  it("task_status moves work, names the allowed moves, and refuses done without an approval", async () => {
    const { mcp, exarp, create } = await setup();
    const id = await create("x");
    expect(await mcp.refused("task_status", { id, to: "done" })).toBe(
      `${id} cannot move from todo to done; allowed from todo: in_progress, blocked, cancelled`,
    );
    const lease = (await mcp.ok("claim", { action: "claim", taskId: id, as: A })).lease.token;
    expect(await mcp.refused("task_status", { id, to: "review", as: B })).toContain("is leased by agent:a/s1");
    expect(await mcp.refused("task_status", { id, to: "review", lease: lease + 5, as: A })).toContain(
      "no longer valid",
    );
    expect((await mcp.ok("task_status", { id, to: "review", lease, as: A })).task.status).toBe("review");
    expect(await mcp.refused("task_status", { id, to: "done", as: A })).toContain("needs a person's approval");
    expect(await mcp.refused("task_status", { id, to: "done", as: B })).toContain("needs a person's approval");
    expect(exarp.tasks.get(id).status).toBe("review");
    // A person's done on a task in review is approve-and-complete; the agent sees it through MCP.
    exarp.as(ANA).tasks.setStatus({ id, to: "done" });
    expect((await mcp.ok("tasks", { action: "show", id, as: A })).status).toBe("done");
  });

  it("task_status: blocked keeps the lease; review, done, todo and cancelled end it", async () => {
    const { mcp, exarp, create } = await setup();
    const id = await create("x");
    const lease = (await mcp.ok("claim", { action: "claim", taskId: id, as: A })).lease.token;
    await mcp.ok("task_status", { id, to: "blocked", lease, as: A });
    expect(exarp.leases.list()).toEqual([expect.objectContaining({ taskId: id, token: lease, live: true })]);
    for (const to of ["todo", "cancelled"] as const) {
      await mcp.ok("task_status", { id, to: "in_progress", as: A });
      await mcp.ok("claim", { action: "claim", taskId: id, as: A });
      await mcp.ok("task_status", { id, to, as: A });
      expect(exarp.leases.list()).toEqual([]);
      if (to === "cancelled") await mcp.ok("task_status", { id, to: "todo", as: A });
    }
  });

  it("approval: agents ask and list; only a person decides, and never the one who asked", async () => {
    const { mcp, exarp, create } = await setup();
    const first = await create("first");
    const second = await create("second");
    for (const id of [first, second]) {
      await mcp.ok("claim", { action: "claim", taskId: id, as: A });
      await mcp.ok("task_status", { id, to: "review", as: A });
    }
    const { pending } = await mcp.ok("approval", { action: "list" });
    expect(pending.map((p: { taskId: string }) => p.taskId)).toEqual([first, second]);
    expect(pending[0]).toMatchObject({ askedBy: "agent:a/s1", state: "pending", title: "first" });

    // Through MCP nobody decides: not the asker, not another agent.
    for (const as of [A, B]) {
      expect(await mcp.invalid("approval", { action: "approve", taskId: first, as })).toContain("a person's decision");
      expect(await mcp.invalid("approval", { action: "deny", taskId: first, reason: "x", as })).toContain("exarp deny");
    }
    // Nor through the library, as an agent.
    expect(() => exarp.as({ name: B.agent, session: B.session }).approvals.approve({ taskId: first })).toThrow(
      "not a person",
    );
    const person = exarp.as(ANA);
    person.approvals.approve({ taskId: first, note: "ok" });
    person.approvals.deny({ taskId: second, reason: "add tests" });
    expect((await mcp.ok("tasks", { action: "show", id: first })).status).toBe("done");
    const back = await mcp.ok("tasks", { action: "show", id: second });
    expect(back).toMatchObject({
      status: "in_progress",
      comments: [{ by: "user:ana", body: "Review denied: add tests" }],
    });
    expect((await mcp.ok("approval", { action: "list" })).pending).toEqual([]);
  });

  it("approval request waits for a person's decision made elsewhere, and a timeout is not a denial", async () => {
    const { mcp, exarp } = await setup();
    const id = (await mcp.ok("task_write", { action: "create", title: "x" })).created.id;
    const lease = (await mcp.ok("claim", { action: "claim", taskId: id, as: A })).lease.token;

    const waiting = mcp.ok("approval", { action: "request", taskId: id, timeoutMs: 20_000, lease, as: A });
    await until(() => exarp.tasks.get(id).status === "review");
    exarp.as(ANA).approvals.approve({ taskId: id });
    expect(await waiting).toMatchObject({ outcome: "approved", by: "user:ana", task: { id, status: "done" } });

    const other = (await mcp.ok("task_write", { action: "create", title: "y" })).created.id;
    await mcp.ok("claim", { action: "claim", taskId: other, as: A });
    const late = await mcp.ok("approval", { action: "request", taskId: other, timeoutMs: 30, as: A });
    expect(late).toMatchObject({ outcome: "timeout", task: { status: "review" } });
    expect(exarp.history.list({ taskId: other }).map((e) => e.type)).toContain("approval.timed_out");
  });

  it("closing the server abandons a waiting request, which stays open for a person", async () => {
    const t = testExarp();
    const mcp = await connectMcp(t.exarp);
    const id = (await mcp.ok("task_write", { action: "create", title: "x" })).created.id;
    await mcp.ok("claim", { action: "claim", taskId: id, as: A });
    const waiting = mcp.call("approval", { action: "request", taskId: id, timeoutMs: 60_000, as: A });
    waiting.catch(() => undefined);
    await until(() => t.exarp.tasks.get(id).status === "review");
    const started = Date.now();
    await mcp.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(t.exarp.approvals.pending().map((a) => a.taskId)).toEqual([id]);
    t.exarp.close();
  });

  it("plan gives waves, the critical path with titles, and caps a wave", async () => {
    const { mcp, create } = await setup();
    const a = await create("a", { estimate: 30 });
    const b = await create("b", { estimate: 10 });
    const c = await create("c", { dependsOn: [a, b], estimate: 5 });
    const plan = await mcp.ok("plan");
    expect(plan.waves.map((w: string[]) => [...w].sort())).toEqual([[a, b].sort(), [c]]);
    expect(plan).toMatchObject({
      maxParallelism: 2,
      criticalPath: { tasks: [a, c], minutes: 35 },
      titles: { [a]: "a", [b]: "b", [c]: "c" },
    });
    expect((await mcp.ok("plan", { cap: 1 })).waves).toEqual([[plan.waves[0][0]], [plan.waves[0][1]], [c]]);
  });

  it("history lists events since a cursor and for one task, and undoes the latest change", async () => {
    const { mcp, exarp, create } = await setup();
    const id = await create("x");
    const { events, cursor } = await mcp.ok("history", { action: "list" });
    expect(events).toEqual([expect.objectContaining({ seq: 1, type: "task.created", by: "tester" })]);
    await mcp.ok("task_write", { action: "edit", id, title: "y", as: A });
    const since = await mcp.ok("history", { action: "list", after: cursor });
    expect(since.events).toEqual([expect.objectContaining({ type: "task.edited", by: "agent:a/s1" })]);
    expect((await mcp.ok("history", { action: "list", after: since.cursor })).events).toEqual([]);
    expect((await mcp.ok("history", { action: "list", taskId: "T-other" })).events).toEqual([]);

    // Without seq, undo takes back the caller's own latest change: A's edit, not the server's create.
    const undo = await mcp.ok("history", { action: "undo", as: A });
    expect(undo.undone[0]).toMatchObject({ type: "task.edited" });
    expect(exarp.tasks.get(id).title).toBe("x");
    expect(await mcp.refused("history", { action: "undo", as: B })).toContain("agent:b/s2 has no change to undo");
    const again = { action: "undo", seq: undo.compensating[0].seq };
    expect(await mcp.refused("history", again)).toContain("is an undo itself");
  });

  it("prime renders the caller's context: its own leased work first", async () => {
    const { mcp, create } = await setup();
    const mine = await create("mine");
    await create("free");
    await mcp.ok("claim", { action: "claim", taskId: mine, as: A });
    const forA = await mcp.ok<string>("prime", { as: A });
    expect(forA).toMatch(/Your tasks:\n- .* mine \(yours, lease #/);
    expect(await mcp.ok<string>("prime")).not.toContain("Your tasks");
    expect(Buffer.byteLength(await mcp.ok<string>("prime", { budget: 256 }))).toBeLessThanOrEqual(256);
  });

  it("acts as the server's identity unless a call passes `as`, and renews the caller's leases on activity", async () => {
    const { mcp, exarp, create, clock } = await setup({ actor: { name: "agent:env", session: "ses_env" } });
    const id = await create("x");
    await mcp.ok("claim", { action: "claim", taskId: id });
    expect(exarp.leases.list()[0]).toMatchObject({ agent: "agent:env", session: "ses_env" });
    const other = await create("y");
    await mcp.ok("task_write", { action: "comment", id: other, body: "as someone", as: { agent: "agent:z" } });
    expect(exarp.tasks.get(other).comments[0]?.author).toBe("agent:z");
    // Someone else may not comment on the task agent:env holds.
    expect(await mcp.refused("task_write", { action: "comment", id, body: "x", as: { agent: "agent:z" } })).toContain(
      "is leased by agent:env/ses_env",
    );

    const before = exarp.leases.list()[0]?.expiresAt as number;
    clock.advance(10 * MIN); // past half the TTL: the next call by the holder renews it
    await mcp.ok("tasks", { action: "list" });
    expect(exarp.leases.list()[0]?.expiresAt).toBe(clock.now() + 15 * MIN);
    expect(exarp.leases.list()[0]?.expiresAt).toBeGreaterThan(before);
  });

  it("refuses `as` naming a person, whatever the tool, and acts for nobody", async () => {
    const { mcp, exarp, create } = await setup();
    const id = await create("x");
    const before = exarp.store.maxSeq();
    for (const [tool, args] of [
      ["tasks", { action: "list" }],
      ["task_write", { action: "comment", id, body: "hi" }],
      ["task_status", { id, to: "cancelled" }],
      ["claim", { action: "claim", taskId: id }],
      ["history", { action: "undo" }],
    ] as const) {
      const message = await mcp.invalid(tool, { ...args, as: { agent: "user:ana" } });
      expect(message).toContain("as.agent: names a person (user:…); this MCP server acts for agents only");
    }
    expect(exarp.store.maxSeq()).toBe(before);
  });

  it("lets a sub-agent `as` read everything and change nothing", async () => {
    const { mcp, exarp, create } = await setup();
    const id = await create("x", { tags: ["db"] });
    const leased = await create("leased");
    await mcp.ok("claim", { action: "claim", taskId: leased, as: A });
    const helper = { agent: "subagent:explore", session: "s3" };
    const before = exarp.store.maxSeq();
    expect((await mcp.ok("tasks", { action: "list", as: helper })).tasks).toHaveLength(2);
    expect((await mcp.ok("tasks", { action: "show", id, as: helper })).id).toBe(id);
    expect((await mcp.ok("tasks", { action: "next", as: helper })).next).toMatchObject({ id });
    expect(await mcp.ok<string>("prime", { as: helper })).toContain("x");
    expect((await mcp.ok("claim", { action: "list", as: helper })).leases).toHaveLength(1);
    expect((await mcp.ok("history", { action: "list", as: helper })).events.length).toBeGreaterThan(0);
    expect((await mcp.ok("approval", { action: "list", as: helper })).pending).toEqual([]);
    for (const [tool, args] of [
      ["task_write", { action: "create", title: "mine" }],
      ["task_write", { action: "comment", id, body: "note" }],
      ["task_status", { id, to: "blocked" }],
      ["claim", { action: "claim", taskId: id }],
      ["claim", { action: "claim" }],
      ["claim", { action: "release", taskId: leased, force: true }],
      ["approval", { action: "request", taskId: leased }],
      ["history", { action: "undo", seq: 1 }],
    ] as const) {
      expect(await mcp.refused(tool, { ...args, as: helper }), tool).toContain(
        "subagent:explore is a sub-agent: sub-agents read tasks but change nothing",
      );
    }
    expect(exarp.store.maxSeq()).toBe(before);
  });

  it("reports a failure that is not a refusal as an internal error, without crashing the server", async () => {
    const { mcp, exarp } = await setup();
    exarp.store.close();
    const text = await mcp.refused("tasks", { action: "list" });
    expect(text).toMatch(/^(internal|database) error: /);
    expect(mcp.logs.join("\n")).toContain("tasks failed");
    expect((await mcp.client.listTools()).tools).toHaveLength(8);
  });
});
