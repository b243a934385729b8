// Remote MCP over real Streamable HTTP with the SDK's own client: who acts is the token's identity,
// what it may do is the token's scope, and tool results carry structuredContent that the client
// checks against each tool's output schema.
import { describe, expect, it } from "vitest";
import { ANA, serveRemoteMcp } from "./support/remote-mcp.ts";

type Listed = Awaited<ReturnType<Awaited<ReturnType<typeof serveRemoteMcp>>["connect"]>>["listed"];
const actions = (listed: Listed, tool: string) =>
  (listed.find((t) => t.name === tool)?.inputSchema.properties?.action as { enum: string[] } | undefined)?.enum;

describe("remote mcp: identity and scopes", () => {
  it("a collaborator token runs create → claim → review; an owner token approves and the task is done", async () => {
    const r = await serveRemoteMcp();
    const agent = await r.connect(r.mint("collaborator", { name: "build" }).secret);
    const id = (await agent.ok("task_write", { action: "create", title: "Invoice API" })).created.id as string;
    const claimed = await agent.ok("claim", { action: "claim", taskId: id });
    expect(claimed).toMatchObject({ acquired: true, lease: { taskId: id, holder: "agent:build" } });
    const moved = await agent.ok("task_status", { id, to: "review", lease: claimed.lease.token });
    expect(moved.task).toMatchObject({ id, status: "review" });
    expect(await agent.invalid("approval", { action: "approve", taskId: id })).toContain("need an owner token");
    expect(await agent.refused("task_status", { id, to: "done" })).toContain("needs a person's approval");

    const owner = await r.connect(r.mint("owner").secret);
    expect(owner.client.getInstructions()).toContain("Calls act as user:ana, this owner token's identity, a person");
    const approved = await owner.ok("approval", { action: "approve", taskId: id, note: "lgtm" });
    expect(approved.task).toMatchObject({ id, status: "done" });
    expect(r.exarp.approvals.latest(id)).toMatchObject({ state: "approved", decidedBy: "user:ana", reason: "lgtm" });
    const events = r.exarp.history.list({ taskId: id });
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(["agent:build", "user:ana"]));
    expect(events.find((e) => e.type === "approval.decided")?.actor).toBe("user:ana");
  });

  it("lists the same eight tools without `as` for every scope; only an owner's approval tool decides", async () => {
    const r = await serveRemoteMcp();
    const lists = await Promise.all(
      (["viewer", "collaborator", "owner"] as const).map(
        async (scope) => (await r.connect(r.mint(scope).secret)).listed,
      ),
    );
    for (const listed of lists) {
      expect(listed.map((t) => t.name)).toEqual([
        "tasks",
        "task_write",
        "task_status",
        "claim",
        "plan",
        "approval",
        "history",
        "prime",
      ]);
      for (const tool of listed) expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain("as");
      expect(JSON.stringify({ tools: listed }).length).toBeLessThanOrEqual(12_000);
    }
    const [viewer, collaborator, owner] = lists as [Listed, Listed, Listed];
    expect(actions(viewer, "approval")).toEqual(["request", "list"]);
    expect(actions(collaborator, "approval")).toEqual(["request", "list"]);
    expect(actions(owner, "approval")).toEqual(["request", "list", "approve", "deny"]);
    expect(owner.find((t) => t.name === "approval")?.description).toContain("deny (taskId, reason)");
  });

  it("an owner denies with a reason, and cannot decide a review its identity asked for, with any token", async () => {
    const r = await serveRemoteMcp();
    const ana = await r.connect(r.mint("owner", { name: "laptop" }).secret);
    const own = (await ana.ok("task_write", { action: "create", title: "mine" })).created.id as string;
    await ana.ok("claim", { action: "claim", taskId: own });
    await ana.ok("task_status", { id: own, to: "review" });
    const again = await r.connect(r.mint("owner", { name: "desktop" }).secret);
    expect(await again.refused("approval", { action: "approve", taskId: own })).toBe(
      `user:ana asked for the review of ${own} and cannot decide on it; any other person (user:…) can`,
    );
    expect(await again.invalid("approval", { action: "deny", taskId: own })).toContain("action deny needs reason");

    const bob = await r.connect(r.mint("owner", { as: "user:bob" }).secret);
    const denied = await bob.ok("approval", { action: "deny", taskId: own, reason: "add tests" });
    expect(denied.task).toMatchObject({ id: own, status: "in_progress" });
    expect(r.exarp.tasks.get(own).comments.at(-1)).toMatchObject({
      author: "user:bob",
      body: "Review denied: add tests",
    });
  });

  it("a viewer reads everything and changes nothing, each write refused naming the scope it needs", async () => {
    const r = await serveRemoteMcp();
    const id = r.exarp.as({ name: "agent:x", session: null }).tasks.create({ title: "seen" }).id;
    const viewer = await r.connect(r.mint("viewer", { name: "watch" }).secret);
    expect(viewer.client.getInstructions()).toContain("agent:watch, this viewer token's identity: it reads");
    expect((await viewer.ok("tasks", { action: "list" })).tasks).toHaveLength(1);
    expect((await viewer.ok("tasks", { action: "show", id })).title).toBe("seen");
    expect((await viewer.ok("plan")).waves).toEqual([[id]]);
    expect(await viewer.ok<string>("prime")).toContain("seen");
    expect((await viewer.ok("claim", { action: "list" })).leases).toEqual([]);
    expect((await viewer.ok("approval", { action: "list" })).pending).toEqual([]);
    const { events } = await viewer.ok("history", { action: "list" });
    expect(events.map((e: { type: string }) => e.type)).toEqual(["task.created", "token.created"]);
    const before = r.exarp.store.maxSeq();
    for (const [tool, args, call] of [
      ["task_write", { action: "create", title: "x" }, "task_write action=create"],
      ["task_write", { action: "comment", id, body: "x" }, "task_write action=comment"],
      ["task_status", { id, to: "cancelled" }, "task_status"],
      ["claim", { action: "claim", taskId: id }, "claim action=claim"],
      ["approval", { action: "request", taskId: id }, "approval action=request"],
      ["history", { action: "undo" }, "history action=undo"],
    ] as const) {
      expect(await viewer.refused(tool, args)).toBe(
        `forbidden: ${call} needs the collaborator scope; this token is viewer: it only reads; nothing was changed`,
      );
    }
    expect(r.exarp.store.maxSeq()).toBe(before);
  });

  it("a viewer's reads renew no lease: activity renewal is a write, done for a collaborator", async () => {
    const r = await serveRemoteMcp();
    const agent = await r.connect(r.mint("collaborator", { name: "build" }).secret);
    const id = (await agent.ok("task_write", { action: "create", title: "x" })).created.id;
    const { lease } = await agent.ok("claim", { action: "claim", taskId: id });
    const watcher = await r.connect(r.mint("viewer", { name: "watch", as: "agent:build" }).secret);
    r.clock.advance(10 * 60_000); // past half the 15 min lease
    const before = r.exarp.store.maxSeq();
    await watcher.ok("tasks", { action: "list" });
    expect(r.exarp.store.maxSeq()).toBe(before);
    await agent.ok("tasks", { action: "list" });
    expect(r.exarp.history.list({ after: before }).map((e) => [e.type, e.actor])).toEqual([
      ["lease.renewed", "agent:build"],
    ]);
    expect(r.exarp.leases.list()[0]?.expiresAt).toBeGreaterThan(Date.parse(lease.expiresAt));
  });

  it("a collaborator undoes its own change; someone else's needs an owner", async () => {
    const r = await serveRemoteMcp();
    const other = r.exarp.as({ name: "agent:other", session: null }).tasks;
    const theirs = other.create({ title: "theirs" }).id;
    other.edit({ id: theirs, title: "renamed" });
    const seq = r.exarp.store.maxSeq();
    const agent = await r.connect(r.mint("collaborator").secret);
    expect(await agent.refused("history", { action: "undo", seq })).toBe(
      "forbidden: history action=undo needs the owner scope; this token is collaborator: it changes tasks, but neither decides reviews, undoes others' changes nor breaks others' leases; nothing was changed",
    );
    expect(r.exarp.tasks.get(theirs).title).toBe("renamed");
    const mine = (await agent.ok("task_write", { action: "create", title: "mine" })).created.id;
    await agent.ok("task_write", { action: "edit", id: mine, title: "mine, renamed" });
    await agent.ok("history", { action: "undo", seq: r.exarp.store.maxSeq() });
    expect(r.exarp.tasks.get(mine).title).toBe("mine");
    const owner = await r.connect(r.mint("owner").secret);
    await owner.ok("history", { action: "undo", seq });
    expect(r.exarp.tasks.get(theirs).title).toBe("theirs");
  });

  it("breaking another holder's lease (release with force) needs an owner, as over HTTP", async () => {
    const r = await serveRemoteMcp();
    const holder = await r.connect(r.mint("collaborator", { name: "build" }).secret);
    const id = (await holder.ok("task_write", { action: "create", title: "x" })).created.id;
    await holder.ok("claim", { action: "claim", taskId: id });
    const rival = await r.connect(r.mint("collaborator", { name: "rival" }).secret);
    const before = r.exarp.store.maxSeq();
    expect(await rival.refused("claim", { action: "release", taskId: id, force: true })).toBe(
      "forbidden: claim action=release needs the owner scope; this token is collaborator: it changes tasks, but neither decides reviews, undoes others' changes nor breaks others' leases; nothing was changed",
    );
    expect(r.exarp.store.maxSeq()).toBe(before);
    const owner = await r.connect(r.mint("owner").secret);
    expect(await owner.ok("claim", { action: "release", taskId: id, force: true })).toEqual({ released: id });
    expect(r.exarp.history.list({ taskId: id }).at(-1)).toMatchObject({
      actor: "user:ana",
      payload: { reason: "forced" },
    });
  });

  it("`as` cannot change who acts, whatever it names", async () => {
    const r = await serveRemoteMcp();
    const agent = await r.connect(r.mint("collaborator", { name: "build" }).secret);
    const before = r.exarp.store.maxSeq();
    for (const as of [{ agent: "agent:other" }, { agent: ANA.name }, { agent: "agent:build", session: "s1" }]) {
      expect(await agent.invalid("task_write", { action: "create", title: "x", as })).toBe(
        "task_write: invalid arguments: as: calls act as this token's identity, which as cannot change; drop as",
      );
      expect(await agent.invalid("plan", { as })).toContain("as: calls act as this token's identity");
    }
    expect(r.exarp.store.maxSeq()).toBe(before);
  });
});

describe("remote mcp: structured results", () => {
  it("every tool with an output schema returns structuredContent the SDK client validates, the same JSON as the text", async () => {
    const r = await serveRemoteMcp();
    const agent = await r.connect(r.mint("collaborator", { name: "build" }).secret);
    const owner = await r.connect(r.mint("owner").secret);
    const typed = owner.listed.filter((t) => t.outputSchema).map((t) => t.name);
    expect(typed).toEqual(["task_write", "task_status", "claim", "approval", "history"]);
    for (const t of owner.listed) if (t.outputSchema) expect(t.outputSchema.type).toBe("object");

    // Every action of those tools, through the client that validates each result (`ok` compares the text).
    const a = (await agent.ok("task_write", { action: "create", title: "a" })).created.id;
    const b = (await agent.ok("task_write", { action: "create", title: "b", dependsOn: [a] })).created.id;
    await agent.ok("task_write", { action: "edit", id: b, title: "b2" });
    await agent.ok("task_write", { action: "comment", id: b, body: "note" });
    await agent.ok("task_write", { action: "undepend", id: b, blockerId: a });
    await agent.ok("task_write", { action: "depend", id: b, blockerId: a });
    await agent.ok("claim", { action: "claim", taskId: a });
    expect(await owner.ok("claim", { action: "claim", taskId: a })).toMatchObject({ acquired: false });
    await agent.ok("claim", { action: "renew", taskId: a });
    await agent.ok("claim", { action: "list" });
    await agent.ok("claim", { action: "release", taskId: a });
    await agent.ok("task_status", { id: a, to: "todo" });
    const next = await agent.ok("claim", { action: "claim" });
    expect(next).toMatchObject({ acquired: true, task: { id: a } });
    expect(await agent.ok("claim", { action: "claim" })).toMatchObject({ acquired: false });
    await agent.ok("task_status", { id: a, to: "blocked", lease: next.lease.token });
    await agent.ok("task_status", { id: a, to: "in_progress" });
    const waiting = agent.ok("approval", { action: "request", taskId: a, timeoutMs: 20_000 });
    await expect.poll(() => r.exarp.tasks.get(a).status).toBe("review");
    expect((await owner.ok("approval", { action: "list" })).pending).toEqual([expect.objectContaining({ taskId: a })]);
    await owner.ok("approval", { action: "approve", taskId: a });
    expect(await waiting).toMatchObject({ outcome: "approved", task: { id: a, status: "done" } });
    await owner.ok("history", { action: "list" });
    await agent.ok("task_write", { action: "create", title: "c" });
    expect((await agent.ok("history", { action: "undo" })).undone).toEqual([
      expect.objectContaining({ type: "task.created" }),
    ]);

    // Refusals are text only.
    const refused = await agent.call("task_status", { id: "T-none", to: "done" });
    expect(refused).toMatchObject({ isError: true, content: [{ type: "text" }] });
    expect(refused.structuredContent).toBeUndefined();
  });
});
