// `exarp mcp` as a real child process over stdio, driven by the SDK's real client: a whole flow with
// a second client (another identity, another process) approving, checked against the CLI's view.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, exarp, exarpJson, runNode } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { tools } from "./support/mcp.ts";
import { tempDir } from "./support/temp.ts";

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

/** Spawns `exarp mcp` in `cwd` as `agent` and connects a real client to it over stdio. */
async function spawnMcp(cwd: string, agent: string, session?: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp"],
    cwd,
    env: { EXARP_AGENT: agent, ...(session ? { EXARP_SESSION: session } : {}) },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => {
    stderr += d;
  });
  const errors: Error[] = [];
  const client = new Client({ name: `test-${agent}`, version: "0" });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  clients.push(client);
  return { client, ...tools(client), errors, stderr: () => stderr };
}

type Shown = { status: string; comments: { author: string; body: string }[]; history: { actor: string }[] };

describe("exarp mcp over stdio", () => {
  it("create → claim → review → approve from a second client → done, and the CLI sees the same state", async () => {
    const dir = tempDir();
    expect(exarp(dir, ["init"]).code).toBe(0);
    const worker = await spawnMcp(dir, "agent:build", "ses_1");
    const reviewer = await spawnMcp(dir, "user:reviewer");

    const id: string = (await worker.ok("task_write", { action: "create", title: "Invoice API", tags: ["api"] }))
      .created.id;
    expect(exarpJson<Shown>(dir, ["show", id]).status).toBe("todo");

    // A task added from the shell reaches the subscribed client through the change feed.
    const updated: string[] = [];
    worker.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    await worker.client.subscribeResource({ uri: "exarp://tasks/ready" });
    exarpJson(dir, ["add", "Write the docs"]);
    await until(() => updated.includes("exarp://tasks/ready"), 10_000);

    const claim = await worker.ok("claim", { action: "claim", taskId: id });
    expect(claim).toMatchObject({ acquired: true, lease: { holder: "agent:build/ses_1" } });
    expect(await reviewer.ok("claim", { action: "claim", taskId: id })).toMatchObject({
      acquired: false,
      holder: { holder: "agent:build/ses_1" },
    });
    expect(exarpJson<{ taskId: string; agent: string }[]>(dir, ["leases"])).toEqual([
      expect.objectContaining({ taskId: id, agent: "agent:build", session: "ses_1" }),
    ]);

    const lease = claim.lease.token;
    await worker.ok("task_write", { action: "comment", id, body: "done: endpoints and tests" });
    await worker.ok("task_status", { id, to: "review", lease });
    expect(await worker.refused("task_status", { id, to: "done" })).toContain("needs approval");
    expect(await worker.refused("approval", { action: "approve", taskId: id })).toContain("cannot decide on it");
    expect(exarpJson<Shown>(dir, ["show", id]).status).toBe("review");

    const { pending } = await reviewer.ok("approval", { action: "list" });
    expect(pending).toEqual([expect.objectContaining({ taskId: id, askedBy: "agent:build/ses_1" })]);
    expect((await reviewer.ok("approval", { action: "approve", taskId: id, note: "lgtm" })).approved.status).toBe(
      "done",
    );

    expect(await worker.ok("tasks", { action: "show", id })).toMatchObject({
      status: "done",
      approval: { state: "approved", decidedBy: "user:reviewer" },
    });
    const shown = exarpJson<Shown>(dir, ["show", id]);
    expect(shown.status).toBe("done");
    expect(shown.comments).toEqual([
      expect.objectContaining({ author: "agent:build", body: "done: endpoints and tests" }),
    ]);
    expect(new Set(shown.history.map((e) => e.actor))).toEqual(new Set(["agent:build", "user:reviewer"]));

    // The other way to wait: a request that settles when the other process decides.
    const next: string = (await worker.ok("claim", { action: "claim" })).task.id;
    const waiting = worker.ok("approval", { action: "request", taskId: next, timeoutMs: 20_000 });
    await until(() => exarpJson<Shown>(dir, ["show", next]).status === "review", 10_000);
    await reviewer.ok("approval", { action: "approve", taskId: next });
    expect(await waiting).toMatchObject({ outcome: "approved", by: "user:reviewer", task: { status: "done" } });

    expect(exarp(dir, ["doctor"]).code).toBe(0);
    expect([...worker.errors, ...reviewer.errors]).toEqual([]);
    expect(worker.stderr() + reviewer.stderr()).toBe("");
  });

  it("writes nothing but protocol messages on stdout, acts as --as/--session, and exits 0 when stdin closes", async () => {
    const dir = tempDir();
    exarp(dir, ["init"]);
    const server = runNode(CLI, ["mcp", "--as", "agent:raw", "--session", "s9"], {}, dir);
    const send = (message: object) => server.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/call", params: { name: "task_write", arguments: { action: "create", title: "x" } } });
    send({ id: 3, method: "tools/call", params: { name: "tasks", arguments: { action: "list", limit: "ten" } } });
    await until(() => server.output().split("\n").length > 3, 10_000);
    server.child.stdin?.end();

    const { code, stdout, stderr } = await server.done;
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    const messages = lines.map((line) => JSON.parse(line)).sort((a, b) => a.id - b.id);
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(messages.every((m) => m.jsonrpc === "2.0")).toBe(true);
    expect(messages[0].result.serverInfo).toMatchObject({ name: "exarp" });
    expect(messages[1].result.isError).toBeUndefined();
    expect(messages[2].error).toMatchObject({ code: -32602 });
    expect(stderr).toBe("");
    const [task] = exarpJson<{ id: string }[]>(dir, ["list"]);
    const history = exarpJson<{ actor: string; session: string }[]>(dir, ["history", task?.id as string]);
    expect(history).toEqual([expect.objectContaining({ actor: "agent:raw", session: "s9" })]);
  });

  it("refuses to start without a project: one line on stderr, nothing on stdout, exit 3", () => {
    const r = exarp(tempDir(), ["mcp"]);
    expect(r).toMatchObject({ code: 3, stdout: "" });
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no exarp project found");
  });
});
