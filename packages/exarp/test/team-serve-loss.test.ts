// `exarp serve` on a team project (PostgreSQL) losing its database: the server reaches PostgreSQL
// through test/workers/pg-proxy.mjs, and the test cuts every one of the server's connections (and
// has the proxy refuse new ones) while a write is under way (inside its transaction, waiting for the
// project's write lock, which the test holds). That write answers 503 Unavailable in the house JSON
// shape with Retry-After, and nothing of it reaches the log; while the database stays out of reach
// every request, JSON API or remote MCP, is refused the same way at once (never a 500, never a
// hang); a remote MCP tool call whose connection is cut is an isError result saying so; and once the
// database is reachable again the next request succeeds, on a new connection, in the same process
// (and MCP session), which never went down nor logged an internal error. Always on PostgreSQL: this
// file runs in the sqlite project, needing only EXARP_TEST_POSTGRES_URL (with-postgres.mjs sets it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type CallToolResult, CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePgUrl } from "../src/store/postgres/url.ts";
import { CLI, listening, runNode } from "./support/cli.ts";
import { freshPgUrl } from "./support/exarp.ts";
import { until } from "./support/expect.ts";
import { hermeticEnv, run, runJson } from "./support/hermetic.ts";
import type { LoggedEvent } from "./support/team.ts";

const PROXY = fileURLToPath(new URL("./workers/pg-proxy.mjs", import.meta.url));
/** How long any one request may take, outage or not: past it the test fails as a hang. */
const REQUEST_BOUND_MS = 10_000;
/** The server's connections carry this application_name, so that the test can find and cut them. */
const SERVER_TAG = `exarp_serve_loss_${process.pid}`;
/** What every Unavailable says: where the database is, and to retry once it is back. */
const UNAVAILABLE_MESSAGE = /^cannot reach the database at postgres:\/\/\S+: .+; retry when it is back$/;

type ErrorBody = { error: { name: string; message: string; data: Record<string, unknown> } };

const url = freshPgUrl();
/** The project folder (a temp folder without git), kept for the whole file. */
let root: string;
let secret: string;
/** The task the cut write claims, and the claim that succeeds once the database is back. */
let taskId: string;
let proxy: Awaited<ReturnType<typeof startProxy>>;
/** A connection of the test's own, straight to PostgreSQL: it finds and ends the server's. */
let admin: pg.Client;
let served: ReturnType<typeof runNode>;
/** Everything `exarp serve` wrote on stderr (its start-up notes, then, it must be, nothing). */
let serverStderr = "";
/** How much of it there was when the current test began. */
let stderrAtStart = 0;
let base: string;
let mcp: Client;
/** The remote MCP session the client opened: the same one before and after the outage. */
let mcpSession: string | undefined;

/** test/workers/pg-proxy.mjs in front of the project's server; `url` is the project's URL through it, tagged. */
async function startProxy(projectUrl: string) {
  const target = new URL(projectUrl);
  const proxyRun = runNode(PROXY, [target.hostname, target.port || "5432"]);
  await until(() => proxyRun.output().includes('"port"'), 10_000);
  const said = () =>
    proxyRun
      .output()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const through = new URL(projectUrl);
  through.port = String(said()[0]?.port);
  through.searchParams.set("application_name", SERVER_TAG);
  return {
    url: through.href,
    async send(command: "refuse on" | "refuse off") {
      proxyRun.child.stdin.write(`${command}\n`);
      await until(() => said().some((m) => m.ok === command), 10_000);
    },
    async stop() {
      proxyRun.child.stdin.end();
      await proxyRun.done;
    },
  };
}

/** The server's connections to PostgreSQL (the command connection and the listening one). */
async function serverBackends(): Promise<{ pid: number; waiting: string | null }[]> {
  const { rows } = await admin.query(
    "SELECT pid, wait_event_type AS waiting FROM pg_stat_activity WHERE application_name = $1",
    [SERVER_TAG],
  );
  return rows;
}

/** Polls the async `condition` until it holds; throws after `timeoutMs`. */
async function untilHolds(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
}

/**
 * The database lost: the proxy refuses new connections, and every connection of the server is ended
 * (again, should one have been opening as the proxy began to refuse) until none is left.
 */
async function loseDatabase(): Promise<void> {
  await proxy.send("refuse on");
  await untilHolds(async () => {
    await admin.query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1", [
      SERVER_TAG,
    ]);
    return (await serverBackends()).length === 0;
  });
}

/**
 * Runs `write` with the project's write lock held by another connection, so that the server's command
 * is under way, inside its transaction, when the database is lost; then gives the lock back.
 */
async function loseDatabaseDuring<T>(write: () => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: parsePgUrl(url).connectionString, connectionTimeoutMillis: 10_000 });
  await holder.connect();
  try {
    await holder.query(`SET search_path TO "${parsePgUrl(url).schema}"`);
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM exarp_meta WHERE id = 1 FOR UPDATE");
    const pending = write();
    pending.catch(() => undefined);
    // The server's write waits for the lock: its command has begun.
    await untilHolds(async () => (await serverBackends()).some((b) => b.waiting === "Lock"));
    await loseDatabase();
    return await pending;
  } finally {
    await holder.query("ROLLBACK");
    await holder.end();
  }
}

/** The project's log as `exarp history --json` prints it (the CLI reaches PostgreSQL directly). */
const logged = () => runJson<{ events: LoggedEvent[] }>(root, ["history", "-n", "1000"]).events;

/** A request to the server as a collaborator, bounded in time. */
function call(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(REQUEST_BOUND_MS),
  });
}

/** A remote MCP tool call, bounded in time. */
const callTool = (name: string, args: Record<string, unknown>) =>
  mcp.callTool({ name, arguments: args }, CallToolResultSchema, {
    timeout: REQUEST_BOUND_MS,
  }) as Promise<CallToolResult>;

/** A 503 Unavailable in the house shape, with Retry-After. */
async function expectUnavailable(response: Response): Promise<ErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(503);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.headers.get("retry-after")).toBe("1");
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.name).toBe("Unavailable");
  expect(body.error.message).toMatch(UNAVAILABLE_MESSAGE);
  expect(body.error.data.server).toBe(parsePgUrl(proxy.url).display);
  return body;
}

/** `exarp serve` is still running, and said nothing on stderr during the test (no internal error, no stack). */
function expectServerUp() {
  expect(served.child.exitCode).toBeNull();
  expect(served.child.signalCode).toBeNull();
  expect(serverStderr.slice(stderrAtStart)).toBe("");
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "exarp-serve-loss-"));
  const init = run(root, ["init", "--database", url]);
  expect(init.code, init.stderr).toBe(0);
  const token = run(root, ["token", "create", "--scope", "collaborator", "--name", "web", "-q"]);
  expect(token.code, token.stderr).toBe(0);
  secret = token.stdout.trim();
  taskId = runJson<{ task: { id: string } }>(root, ["add", "Claimed over HTTP"]).task.id;

  admin = new pg.Client({ connectionString: parsePgUrl(url).connectionString, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  proxy = await startProxy(url);
  // The server alone goes through the proxy: the project's settings name the server itself.
  served = runNode(CLI, ["serve", "--port", "0"], hermeticEnv({ EXARP_DATABASE_URL: proxy.url }), root);
  served.child.stderr.on("data", (d) => {
    serverStderr += d;
  });
  base = await listening(served);

  const transport = new StreamableHTTPClientTransport(new URL(`${base}mcp`), {
    requestInit: { headers: { authorization: `Bearer ${secret}` } },
  });
  mcp = new Client({ name: "team-serve-loss", version: "0" });
  await mcp.connect(transport);
  await mcp.listTools(); // the client checks each result against its tool's output schema
  mcpSession = transport.sessionId;
  expect(mcpSession).toEqual(expect.any(String));
});

afterAll(async () => {
  await mcp?.close();
  if (served && served.child.exitCode === null && served.child.signalCode === null) {
    served.child.kill("SIGTERM");
    await served.done;
  }
  await proxy?.stop();
  await admin?.end();
  rmSync(root, { recursive: true, force: true });
});

describe("exarp serve on PostgreSQL, the database lost and back", () => {
  beforeEach(() => {
    stderrAtStart = serverStderr.length;
  });

  it("(a) a write whose connection is cut mid-command: 503 Unavailable with Retry-After, nothing of it in the log", async () => {
    const before = logged();
    expect((await call("api/tasks")).status).toBe(200);

    const claim = await loseDatabaseDuring(() => call(`api/tasks/${taskId}/claim`, { method: "POST", body: {} }));
    await expectUnavailable(claim);

    // The log (read straight from PostgreSQL) holds nothing of the claim: no lease, no status change.
    expect(logged()).toEqual(before);
    expect(runJson(root, ["show", taskId]).task.status).toBe("todo");
    expect(runJson(root, ["leases"]).leases).toEqual([]);
    expectServerUp();
  });

  it("(b) while the database stays out of reach: reads, writes and remote MCP answer 503 Unavailable at once, never a 500 or a hang", async () => {
    const before = logged();
    const started = Date.now();
    await expectUnavailable(await call("api/tasks"));
    await expectUnavailable(await call("api/tasks", { method: "POST", body: { title: "Never written" } }));
    await expectUnavailable(await call(`api/tasks/${taskId}/claim`, { method: "POST", body: {} }));
    // Remote MCP: the request is refused before it reaches the session (its token cannot be checked),
    // as the JSON API's are: the client's transport reports the 503 and its body.
    const refused = await callTool("task_write", { action: "create", title: "Never written either" }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    expect(refused).toEqual({ error: expect.any(StreamableHTTPError) });
    const { error } = refused as { error: StreamableHTTPError };
    expect(error.code).toBe(503);
    expect(error.message).toContain('"name":"Unavailable"');
    expect(Date.now() - started).toBeLessThan(REQUEST_BOUND_MS);

    expect(await serverBackends()).toEqual([]);
    expect(logged()).toEqual(before);
    expectServerUp();
  });

  it("(c) the database back: the same claim succeeds, on a new connection, and is logged once, whole", async () => {
    const before = logged();
    await proxy.send("refuse off");
    const claim = await call(`api/tasks/${taskId}/claim`, { method: "POST", body: {} });
    const body = (await claim.json()) as { acquired: boolean; lease: { taskId: string; agent: string } };
    expect(claim.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ acquired: true, lease: { taskId, agent: "agent:web" } });
    expect((await serverBackends()).length).toBeGreaterThan(0);

    const after = logged();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => [e.type, e.actor])).toEqual([
      ["lease.acquired", "agent:web"],
      ["task.status_changed", "agent:web"],
    ]);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    expect(runJson(root, ["show", taskId]).task.status).toBe("in_progress");
    expectServerUp();
  });

  it("(d) remote MCP: a tool call whose connection is cut is an isError result saying Unavailable; the next one, the database back, succeeds on the same session", async () => {
    const before = logged();
    const cut = await loseDatabaseDuring(() => callTool("task_write", { action: "create", title: "Cut off" }));
    expect(cut.isError, JSON.stringify(cut)).toBe(true);
    expect((cut.content[0] as { text: string }).text).toMatch(UNAVAILABLE_MESSAGE);
    expect(logged()).toEqual(before);

    await proxy.send("refuse off");
    const created = await callTool("task_write", { action: "create", title: "Written once back" });
    expect(created.isError, JSON.stringify(created)).toBeFalsy();
    expect((mcp.transport as StreamableHTTPClientTransport).sessionId).toBe(mcpSession);
    const after = logged();
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added.map((e) => [e.type, e.actor, (e.payload.task as { title: string }).title])).toEqual([
      ["task.created", "agent:web", "Written once back"],
    ]);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    expectServerUp();
  });
});
