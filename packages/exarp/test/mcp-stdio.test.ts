// `exarp mcp` as a real child process over stdio, driven by the SDK's real client: a whole flow with
// agents working through MCP and a person deciding through the CLI; who the server acts as; the raw
// protocol on stdout; and a second process holding the write lock while reads keep answering.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, exarp, exarpJson, runNode } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { tools } from "./support/mcp.ts";
import { tempDir } from "./support/temp.ts";

const LOCK_HOLDER = fileURLToPath(new URL("./workers/lock-holder.mjs", import.meta.url));
/** Nothing from the environment running the tests: no exarp identity, no user, an empty home. */
const hermetic = () => ({
  EXARP_AGENT: "",
  EXARP_SESSION: "",
  EXARP_PROJECT_ROOT: "",
  USER: "",
  LOGNAME: "",
  HOME: tempDir(),
});

const clients: Client[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
});

/** Spawns `exarp mcp ARGS` in `cwd` with `env` (and nothing of the tests' own) and connects a real client. */
async function spawnMcp(cwd: string, env: Record<string, string> = {}, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp", ...args],
    cwd,
    // The SDK adds PATH, HOME, USER… from this process; the hermetic values replace those that matter.
    env: { ...hermetic(), ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => {
    stderr += d;
  });
  const errors: Error[] = [];
  const client = new Client({ name: "test", version: "0" });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  clients.push(client);
  return { client, ...tools(client), errors, stderr: () => stderr };
}

function project(): string {
  const dir = tempDir();
  expect(exarp(dir, ["init"]).code).toBe(0);
  return dir;
}

type Task = { id: string; status: string; comments: { author: string; body: string }[] };
type Shown = { task: Task; history: { actor: string; session: string | null; type: string }[] };
const show = (dir: string, id: string) => exarpJson<Shown>(dir, ["show", id]);
const events = (dir: string) => exarpJson<{ events: Shown["history"] }>(dir, ["history"]).events;

describe("exarp mcp over stdio", () => {
  it("create → claim → review through MCP, a person approves through the CLI, and MCP sees done", async () => {
    const dir = project();
    const worker = await spawnMcp(dir, { EXARP_AGENT: "agent:build", EXARP_SESSION: "ses_1" });
    const other = await spawnMcp(dir, { EXARP_AGENT: "agent:other" });

    const id: string = (await worker.ok("task_write", { action: "create", title: "Invoice API", tags: ["api"] }))
      .created.id;
    expect(show(dir, id).task.status).toBe("todo");

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
    expect(await other.ok("claim", { action: "claim", taskId: id })).toMatchObject({
      acquired: false,
      holder: { holder: "agent:build/ses_1" },
    });
    expect(exarpJson<{ leases: unknown[] }>(dir, ["leases"]).leases).toEqual([
      expect.objectContaining({ taskId: id, agent: "agent:build", session: "ses_1" }),
    ]);

    const lease = claim.lease.token;
    await worker.ok("task_write", { action: "comment", id, body: "done: endpoints and tests", lease });
    await worker.ok("task_status", { id, to: "review", lease });
    // An agent stops at review: neither it nor another agent can finish it.
    for (const agent of [worker, other]) {
      expect(await agent.refused("task_status", { id, to: "done" })).toContain("needs a person's approval");
      expect(await agent.invalid("approval", { action: "approve", taskId: id })).toContain("a person's decision");
    }
    const { pending } = await other.ok("approval", { action: "list" });
    expect(pending).toEqual([expect.objectContaining({ taskId: id, askedBy: "agent:build/ses_1" })]);
    expect(show(dir, id).task.status).toBe("review");

    // The requester's own person cannot approve either; another person can.
    expect(exarp(dir, ["approve", id, "--as", "agent:build"]).code).toBe(1);
    const approved = exarp(dir, ["approve", id, "--as", "user:ana", "--note", "lgtm"]);
    expect(approved).toMatchObject({ code: 0, stderr: "" });
    expect(await worker.ok("tasks", { action: "show", id })).toMatchObject({
      status: "done",
      approval: { state: "approved", decidedBy: "user:ana" },
    });
    const shown = show(dir, id);
    expect(shown.task.comments).toEqual([
      expect.objectContaining({ author: "agent:build", body: "done: endpoints and tests" }),
    ]);
    expect(new Set(shown.history.map((e) => e.actor))).toEqual(new Set(["agent:build", "user:ana"]));

    // The other way to wait: a request through MCP that settles when the person decides in the shell.
    const next: string = (await worker.ok("claim", { action: "claim" })).task.id;
    const waiting = worker.ok("approval", { action: "request", taskId: next, timeoutMs: 20_000 });
    await until(() => show(dir, next).task.status === "review", 10_000);
    expect(exarp(dir, ["approve", next, "--as", "user:ana"]).code).toBe(0);
    expect(await waiting).toMatchObject({ outcome: "approved", by: "user:ana", task: { status: "done" } });

    expect(exarp(dir, ["doctor"]).code).toBe(0);
    expect([...worker.errors, ...other.errors]).toEqual([]);
    expect(worker.stderr() + other.stderr()).toBe("");
  });

  it("acts as agent:mcp by default, as $EXARP_AGENT when it is an agent, and never as a person", async () => {
    const dir = project();
    const create = async (env: Record<string, string>, args: string[] = []) => {
      const server = await spawnMcp(dir, env, args);
      const instructions = server.client.getInstructions() ?? "";
      await server.ok("task_write", { action: "create", title: "x" });
      await server.client.close();
      const last = events(dir).at(-1);
      return { by: last && { actor: last.actor, session: last.session }, instructions, stderr: server.stderr() };
    };

    const plain = await create({});
    expect(plain).toMatchObject({ by: { actor: "agent:mcp", session: null }, stderr: "" });
    expect(plain.instructions).toContain("Calls act as agent:mcp unless");
    expect(await create({ EXARP_AGENT: "agent:env", EXARP_SESSION: "ses_env" })).toMatchObject({
      by: { actor: "agent:env", session: "ses_env" },
      stderr: "",
    });
    expect(await create({ EXARP_AGENT: "agent:env" }, ["--as", "agent:flag", "--session", "s2"])).toMatchObject({
      by: { actor: "agent:flag", session: "s2" },
      stderr: "",
    });

    const person = await create({ EXARP_AGENT: "user:ana", EXARP_SESSION: "ses_p" });
    expect(person.by).toEqual({ actor: "agent:mcp", session: "ses_p" });
    expect(person.stderr.trim().split("\n")).toEqual([
      "exarp mcp: $EXARP_AGENT is user:ana, a person; acting as agent:mcp instead",
    ]);
  });

  it("refuses --as naming a person before serving: one line on stderr, nothing on stdout, exit 2", () => {
    const dir = project();
    const r = exarp(dir, ["mcp", "--as", "user:ana"], { input: "" });
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--as user:ana names a person");
    expect(events(dir)).toEqual([]);
  });

  it("writes nothing but protocol messages on stdout, answers bad arguments as results, and exits 0 when stdin closes", async () => {
    const dir = project();
    const server = runNode(CLI, ["mcp", "--as", "agent:raw", "--session", "s9"], hermetic(), dir);
    children.push(server.child);
    const send = (message: object) => server.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    const call = (id: number, name: string, args: unknown) =>
      send({ id, method: "tools/call", params: { name, arguments: args } });
    send({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    send({ method: "notifications/initialized" });
    call(2, "task_write", { action: "create", title: "x" });
    call(3, "tasks", { action: "list", limit: "ten" });
    call(4, "tasks", null);
    call(5, "tasks", ["list"]);
    call(6, "task_delete", {});
    send({ id: 7, method: "tools/call", params: {} });
    await until(() => server.output().split("\n").length > 7, 10_000);
    server.child.stdin?.end();

    const { code, stdout, stderr } = await server.done;
    expect(code).toBe(0);
    const messages = stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
      .sort((a, b) => a.id - b.id);
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(messages.every((m) => m.jsonrpc === "2.0")).toBe(true);
    expect(messages[0].result.serverInfo).toMatchObject({ name: "exarp" });
    expect(messages[1].result.isError).toBeUndefined();
    const text = (m: { result: { isError: boolean; content: { text: string }[] } }) => {
      expect(m.result.isError).toBe(true);
      return m.result.content[0]?.text;
    };
    expect(text(messages[2])).toBe("tasks: invalid arguments: limit: must be a number, not a string");
    expect(text(messages[3])).toBe("tasks: invalid arguments: arguments must be an object of named values, not null");
    expect(text(messages[4])).toContain("not an array");
    expect(messages[5].error).toMatchObject({ code: -32602, message: expect.stringContaining("unknown tool") });
    expect(messages[6].error).toMatchObject({ code: -32602, message: expect.stringContaining("needs a tool name") });
    expect(stderr).toBe("");
    const all = events(dir);
    expect(all).toEqual([expect.objectContaining({ type: "task.created", actor: "agent:raw", session: "s9" })]);
  });

  it("answers reads within 100 ms while another process holds the write lock, and a write says busy", async () => {
    const dir = project();
    const id = exarpJson<{ task: { id: string } }>(dir, ["add", "locked out"]).task.id;
    const server = await spawnMcp(dir, { EXARP_AGENT: "agent:build" });
    await server.ok("tasks", { action: "list" }); // warm: the first call loads what every call needs

    const holder = runNode(LOCK_HOLDER, [join(dir, ".exarp", "exarp.db"), "30000"], hermetic());
    children.push(holder.child);
    await until(() => holder.output().includes("locked"), 10_000);

    const reads: [string, Record<string, unknown>][] = [
      ["tasks", { action: "list" }],
      ["tasks", { action: "show", id }],
      ["plan", {}],
      ["prime", {}],
      ["history", { action: "list" }],
    ];
    const timed = async (tool: string, args: Record<string, unknown>) => {
      const started = performance.now();
      const result = await server.call(tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(result)}`).toBeFalsy();
      return performance.now() - started;
    };
    for (const [tool, args] of reads) expect(await timed(tool, args), tool).toBeLessThan(100);
    // What reads show is the last commit, not the holder's uncommitted change.
    expect((await server.ok("tasks", { action: "show", id })).title).toBe("locked out");

    // A write retries (about 10 s) without blocking the server: reads issued meanwhile answer promptly.
    let settled = false;
    const started = performance.now();
    const write = server.call("task_write", { action: "create", title: "while locked" }).finally(() => {
      settled = true;
    });
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const [tool, args] = reads[i % reads.length] as [string, Record<string, unknown>];
      expect(await timed(tool, args), `${tool} during the retry`).toBeLessThan(100);
    }
    expect(settled).toBe(false);
    const result = await write;
    expect(performance.now() - started).toBeGreaterThan(5_000);
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toMatch(/^busy: .*; nothing was changed; call again/);

    holder.child.kill();
    await holder.done;
    expect(exarpJson<{ tasks: unknown[] }>(dir, ["list"]).tasks).toHaveLength(1);
    expect((await server.ok("task_write", { action: "create", title: "after" })).created.title).toBe("after");
    expect(server.errors).toEqual([]);
    expect(server.stderr()).toBe("");
  }, 40_000);

  it("refuses to start without a project: one line on stderr, nothing on stdout, exit 3", () => {
    const r = exarp(tempDir(), ["mcp"]);
    expect(r).toMatchObject({ code: 3, stdout: "" });
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no exarp project in");
  });
});
