// Every entry point on one team project: `exarp init --database URL` in a folder without git, then
// the CLI, `exarp mcp` over stdio (the SDK's own client), and `exarp serve` (the JSON API, the event
// stream and remote MCP) all work on the same PostgreSQL log and see each other's writes; the event
// stream is woken by the CLI's commit (LISTEN/NOTIFY); the CLI's history and doctor agree the log is
// gapless and its hash chain intact; and no SQLite file ever appears. Always on PostgreSQL: this file
// runs in the sqlite project, needing only EXARP_TEST_POSTGRES_URL (with-postgres.mjs sets it).
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, listening, runNode } from "./support/cli.ts";
import { freshPgUrl } from "./support/exarp.ts";
import { until } from "./support/expect.ts";
import { childEnv, hermeticEnv, lines, run, runJson } from "./support/hermetic.ts";
import { tools } from "./support/mcp.ts";
import { openStream, type SseStream } from "./support/sse.ts";
import { type LoggedEvent, shown } from "./support/team.ts";

const GENESIS = "0".repeat(64);
/** The MCP agent's identity and session (`exarp mcp` reads them from its environment). */
const MCP_AGENT = "agent:mcp-worker";
const MCP_SESSION = "ses_mcp";
/** How long the event of a commit by another process may take to reach an open stream. */
const WAKE_BOUND_MS = 5_000;

type Task = { id: string; title: string; status: string };
const url = freshPgUrl();
/** The project folder: no `.git` anywhere above it (a temp folder); kept for the whole file. */
let root: string;
const clients: Client[] = [];
let served: ReturnType<typeof runNode> | undefined;
let base: string;
let secret: string;
const streams: SseStream[] = [];
/** The ids the entry points created, in order: the CLI's, MCP's, then the one the stream saw. */
const ids: { cli?: string; mcp?: string; live?: string } = {};

/** `.exarp/` holds the team's settings and never a SQLite database (nor its journal or audit mirror). */
function expectNoSqlite() {
  const dir = join(root, ".exarp");
  expect(existsSync(join(dir, "exarp.db"))).toBe(false);
  expect(readdirSync(dir).filter((name) => /\.db($|-)|^audit/.test(name))).toEqual([]);
  expect(readdirSync(dir)).toContain("config.json");
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "exarp-team-entry-"));
  const init = run(root, ["init", "--database", url]);
  expect(init.code, init.stderr).toBe(0);
  expect(lines(init.stdout)[0]).toBe(`created the team project at ${shown(url)} (PostgreSQL)`);
  expectNoSqlite();
});

afterAll(async () => {
  for (const stream of streams.splice(0)) await stream.close();
  for (const client of clients.splice(0)) await client.close();
  if (served && served.child.exitCode === null && served.child.signalCode === null) {
    served.child.kill("SIGTERM");
    await served.done;
  }
  rmSync(root, { recursive: true, force: true });
});

/** `exarp mcp` in the project folder, as a client starts it, with the real SDK client over stdio. */
async function spawnMcp() {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "mcp"],
    cwd: root,
    env: childEnv({ EXARP_AGENT: MCP_AGENT, EXARP_SESSION: MCP_SESSION }),
    stderr: "pipe",
  });
  const client = new Client({ name: "team-entry-points", version: "0" });
  await client.connect(transport);
  clients.push(client);
  await client.listTools(); // the client checks each result against its tool's output schema
  return tools(client);
}

const bearer = () => ({ authorization: `Bearer ${secret}` });

describe("one team project (PostgreSQL), every entry point", () => {
  it("(a) the CLI creates a task and claims it as agent:cli", () => {
    ids.cli = runJson<{ task: Task }>(root, ["add", "CLI task"]).task.id;
    const claim = runJson(root, ["claim", ids.cli, "--as", "agent:cli"]);
    expect(claim).toMatchObject({ acquired: true, lease: { taskId: ids.cli, agent: "agent:cli" } });
    expect(claim.task.status).toBe("in_progress");
    expect(runJson(root, ["schema"]).backend).toBe("postgres");
    expectNoSqlite();
  });

  it("(b) exarp mcp over stdio lists the CLI's task, creates and claims its own, and is refused the CLI's", async () => {
    const mcp = await spawnMcp();
    const listed = await mcp.ok("tasks", { action: "list" });
    expect(listed.tasks).toEqual([expect.objectContaining({ id: ids.cli, title: "CLI task", status: "in_progress" })]);

    ids.mcp = (await mcp.ok("task_write", { action: "create", title: "MCP task" })).created.id as string;
    const mine = await mcp.ok("claim", { action: "claim", taskId: ids.mcp });
    expect(mine).toMatchObject({ acquired: true, lease: { taskId: ids.mcp, holder: `${MCP_AGENT}/${MCP_SESSION}` } });
    // One winner: the CLI's lease holds, and the answer names its holder.
    const theirs = await mcp.call("claim", { action: "claim", taskId: ids.cli });
    const text = (theirs.content[0] as { text: string }).text;
    expect(JSON.parse(text)).toMatchObject({ acquired: false, holder: { taskId: ids.cli, holder: "agent:cli" } });

    // The CLI sees MCP's writes: both leases, each with its own holder.
    const leases = runJson<{ leases: { taskId: string; agent: string; session: string | null }[] }>(root, ["leases"]);
    expect(leases.leases.map((l) => [l.taskId, l.agent, l.session]).sort()).toEqual(
      [
        [ids.cli, "agent:cli", null],
        [ids.mcp, MCP_AGENT, MCP_SESSION],
      ].sort(),
    );
    expect(runJson(root, ["show", ids.mcp]).task.status).toBe("in_progress");
    expectNoSqlite();
  });

  it("(c) exarp serve: the API shows both tasks, the stream gets the CLI's next commit at once, remote MCP answers", async () => {
    const token = run(root, ["token", "create", "--scope", "collaborator", "--name", "web", "-q"]);
    expect(token.code, token.stderr).toBe(0);
    secret = token.stdout.trim();
    expect(secret).toMatch(/^exarp_[A-Za-z0-9_-]{43}$/);

    served = runNode(CLI, ["serve", "--port", "0"], hermeticEnv(), root);
    base = await listening(served);

    const tasks = await fetch(`${base}api/tasks`, { headers: bearer() });
    expect(tasks.status).toBe(200);
    const body = (await tasks.json()) as { tasks: Task[] };
    expect(body.tasks.map((t) => [t.id, t.status]).sort()).toEqual(
      [
        [ids.cli, "in_progress"],
        [ids.mcp, "in_progress"],
      ].sort(),
    );

    // An open stream, then a commit by another process: the server learns of it from PostgreSQL.
    const stream = await openStream(`${base}api/events`, bearer());
    streams.push(stream);
    expect(stream.response.status).toBe(200);
    await until(() => stream.comments.some((c) => c.startsWith("head ")), 10_000);
    const add = runNode(CLI, ["add", "Live task", "-q"], hermeticEnv({ EXARP_AGENT: "agent:cli" }), root);
    const added = await add.done;
    expect(added.code, added.stderr).toBe(0);
    const committedAt = Date.now();
    ids.live = added.stdout.trim();
    await stream.take(1, WAKE_BOUND_MS);
    const tookMs = Date.now() - committedAt;
    expect(tookMs).toBeLessThan(WAKE_BOUND_MS);
    const [message] = stream.messages;
    const [event] = stream.events();
    expect(event).toMatchObject({ type: "task.created", actor: "agent:cli", payload: { task: { id: ids.live } } });
    expect(message?.id).toBe(String(event?.seq));
    const logged = runJson<{ events: LoggedEvent[] }>(root, ["history", ids.live]).events;
    expect(logged.map((e) => e.seq)).toEqual([event?.seq]);

    // Remote MCP on the same server: the collaborator token acts as agent:web.
    const transport = new StreamableHTTPClientTransport(new URL(`${base}mcp`), {
      requestInit: { headers: bearer() },
    });
    const client = new Client({ name: "team-entry-points-remote", version: "0" });
    await client.connect(transport);
    clients.push(client);
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name)).toEqual(expect.arrayContaining(["tasks", "task_write", "claim"]));
    const remote = tools(client);
    const all = await remote.ok("tasks", { action: "list" });
    expect(all.tasks.map((t: Task) => t.id).sort()).toEqual([ids.cli, ids.mcp, ids.live].sort());
    const held = await remote.ok("claim", { action: "claim", taskId: ids.mcp });
    expect(held).toMatchObject({ acquired: false, holder: { holder: `${MCP_AGENT}/${MCP_SESSION}` } });
    expectNoSqlite();
  });

  it("(d) the CLI's history and doctor agree: the log is gapless and its hash chain intact", () => {
    const { events } = runJson<{ events: LoggedEvent[] }>(root, ["history", "-n", "1000"]);
    expect(events.length).toBeGreaterThanOrEqual(7);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.prevHash).toBe(GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
    // Every entry point wrote to this one log.
    const actors = new Set(events.map((e) => e.actor));
    for (const actor of ["agent:cli", MCP_AGENT]) expect(actors).toContain(actor);
    const created = events.filter((e) => e.type === "task.created").map((e) => (e.payload.task as Task).id);
    expect(created).toEqual([ids.cli, ids.mcp, ids.live]);

    const doctor = run(root, ["doctor"]);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain(`chain: ${events.length} events in the database, hash chain intact`);
    const report = runJson<{ ok: boolean; checks: { name: string; ok: boolean; summary: string }[] }>(root, ["doctor"]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.name === "chain")).toMatchObject({
      ok: true,
      summary: `${events.length} events in the database, hash chain intact`,
    });
    expect(report.checks.find((c) => c.name === "postgres")?.summary).toContain(shown(url));
    expectNoSqlite();
  });
});
