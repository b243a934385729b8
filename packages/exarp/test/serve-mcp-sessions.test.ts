// Remote MCP sessions over real HTTP: bound to the token that opened them, ended by DELETE, by the
// token's revocation, by idleness and to make room; notifications on the GET stream; close().
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { until } from "./support/expect.ts";
import { ANA, INITIALIZE, serveRemoteMcp } from "./support/remote-mcp.ts";

const LIST_TOOLS = { jsonrpc: "2.0", id: 2, method: "tools/list" };
const inSession = (id: string) => ({ "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" });

/** Opens a session with a raw `initialize`, reads its answer to the end, and returns the session id. */
async function rawSession(post: (secret: string, body: unknown) => Promise<Response>, secret: string) {
  const response = await post(secret, INITIALIZE);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('"serverInfo"');
  return response.headers.get("mcp-session-id") as string;
}

describe("remote mcp sessions", () => {
  it("answer only the token that opened them, and end when that token is revoked", async () => {
    const r = await serveRemoteMcp();
    const mine = r.mint("collaborator", { name: "build" });
    const agent = await r.connect(mine.secret);
    const id = agent.transport.sessionId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    for (const scope of ["collaborator", "owner"] as const) {
      const stranger = await r.post(r.mint(scope).secret, LIST_TOOLS, inSession(id));
      expect(stranger.status).toBe(404);
      expect(await stranger.json()).toMatchObject({ error: { code: -32001, message: "Session not found" } });
    }
    const own = await r.post(mine.secret, LIST_TOOLS, inSession(id));
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('"name":"task_write"');

    r.exarp.as(ANA).tokens.revoke({ id: mine.token.id });
    await until(() => r.remote.stats().sessions === 0);
    expect((await r.post(mine.secret, LIST_TOOLS, inSession(id))).status).toBe(401);
    expect(r.logs).toEqual([]);
  });

  it("open with an initialize POST; refuse other requests without a session, unknown ids and other methods", async () => {
    const r = await serveRemoteMcp();
    const { secret } = r.mint("collaborator");
    const id = await rawSession(r.post, secret);
    expect(r.remote.stats()).toEqual({ sessions: 1, active: 0 });

    const orphan = await r.post(secret, LIST_TOOLS);
    expect(orphan.status).toBe(400);
    expect(await orphan.json()).toMatchObject({ error: { message: "Bad Request: Server not initialized" } });
    const headers = { Authorization: `Bearer ${secret}`, Accept: "text/event-stream" };
    expect((await fetch(r.url, { headers })).status).toBe(400);
    const put = await fetch(r.url, { method: "PUT", headers });
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET, POST, DELETE"]);
    expect((await r.post(secret, LIST_TOOLS, inSession("not-a-session"))).status).toBe(404);
    expect((await r.post(secret, INITIALIZE, inSession(id))).status).toBe(400);
    expect(r.remote.stats().sessions).toBe(1);
  });

  it("end on DELETE", async () => {
    const r = await serveRemoteMcp();
    const { secret } = r.mint("collaborator");
    const agent = await r.connect(secret);
    const id = agent.transport.sessionId as string;
    await agent.transport.terminateSession();
    expect(r.remote.stats().sessions).toBe(0);
    expect((await r.post(secret, LIST_TOOLS, inSession(id))).status).toBe(404);
  });

  it("expire when idle; an open notification stream is not idle", async () => {
    let now = 0;
    const r = await serveRemoteMcp({ now: () => now, idleMs: 60_000 });
    const { secret } = r.mint("collaborator");
    const agent = await r.connect(secret);
    await until(() => r.remote.stats().active === 1); // the client's GET stream
    const idle = await rawSession(r.post, secret);

    now += 60_000;
    const fresh = await rawSession(r.post, secret);
    expect((await r.post(secret, LIST_TOOLS, inSession(idle))).status).toBe(404);
    expect((await r.post(secret, LIST_TOOLS, inSession(fresh))).status).toBe(200);
    expect((await agent.ok("tasks", { action: "list" })).tasks).toEqual([]);

    await agent.client.close();
    await until(() => r.remote.stats().active === 0);
    now += 60_000;
    await rawSession(r.post, secret);
    expect(r.remote.stats().sessions).toBe(1);
  });

  it("are bounded: a token's oldest session makes room for its next; when every session is in use, 503", async () => {
    const r = await serveRemoteMcp({ maxSessions: 2, maxSessionsPerToken: 2 });
    const { secret } = r.mint("collaborator", { name: "a" });
    const first = await rawSession(r.post, secret);
    const second = await rawSession(r.post, secret);
    const third = await rawSession(r.post, secret);
    expect((await r.post(secret, LIST_TOOLS, inSession(first))).status).toBe(404);
    for (const id of [second, third]) expect((await r.post(secret, LIST_TOOLS, inSession(id))).status).toBe(200);

    // Another token's session takes the least recently used idle one's place.
    await r.connect(r.mint("collaborator", { name: "b" }).secret);
    expect((await r.post(secret, LIST_TOOLS, inSession(second))).status).toBe(404);
    await r.connect(r.mint("collaborator", { name: "c" }).secret);
    await until(() => r.remote.stats().active === 2);
    const full = await r.post(r.mint("viewer").secret, INITIALIZE);
    expect([full.status, full.headers.get("retry-after")]).toEqual([503, "5"]);
    expect(await full.json()).toMatchObject({ error: { message: "every MCP session is in use; retry in a moment" } });
  });

  it("make room only for a session that opens: a request that opens none closes no other session", async () => {
    const r = await serveRemoteMcp({ maxSessions: 2 });
    const held = ["a", "b"].map((name) => r.mint("collaborator", { name }).secret);
    const ids: string[] = [];
    for (const secret of held) ids.push(await rawSession(r.post, secret));
    const stranger = r.mint("viewer").secret;
    for (const body of [LIST_TOOLS, [INITIALIZE, LIST_TOOLS], { jsonrpc: "2.0" }, "not json"])
      expect((await r.post(stranger, body)).status).toBe(400);
    expect(r.remote.stats().sessions).toBe(2);
    for (const [i, secret] of held.entries())
      expect((await r.post(secret, LIST_TOOLS, inSession(ids[i] as string))).status).toBe(200);
  });

  it("end a cancelled call's response: the approval wait is abandoned, the request stays open for a person", async () => {
    const r = await serveRemoteMcp();
    const { secret } = r.mint("collaborator", { name: "build" });
    const id = await rawSession(r.post, secret);
    const taskId = r.exarp.as({ name: "agent:build", session: null }).tasks.create({ title: "x" }).id;
    const call = (n: number, name: string, args: object) =>
      r.post(secret, { jsonrpc: "2.0", id: n, method: "tools/call", params: { name, arguments: args } }, inSession(id));
    expect(await (await call(2, "claim", { action: "claim", taskId })).text()).toContain('\\"acquired\\":true');
    const waiting = await call(3, "approval", { action: "request", taskId, timeoutMs: 60_000 });
    await until(() => r.exarp.tasks.get(taskId).status === "review");
    expect(r.remote.stats().active).toBe(1);
    const cancel = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } };
    expect((await r.post(secret, cancel, inSession(id))).status).toBe(202);
    // The stream ends without an answer (MCP: a cancelled request is not answered).
    let answered: string | undefined;
    void waiting.text().then((text) => {
      answered = text;
    });
    await until(() => answered !== undefined, 5_000);
    expect(answered).not.toContain('"id":3');
    await until(() => r.remote.stats().active === 0);
    expect(r.exarp.approvals.pending().map((a) => a.taskId)).toEqual([taskId]);
    expect((await r.post(secret, LIST_TOOLS, inSession(id))).status).toBe(200);
  });

  it("notify resource subscribers on the GET stream when the board changes", async () => {
    const r = await serveRemoteMcp();
    const agent = await r.connect(r.mint("viewer").secret);
    const updated: string[] = [];
    agent.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    await agent.client.subscribeResource({ uri: "exarp://tasks/ready" });
    r.exarp.as({ name: "agent:elsewhere", session: null }).tasks.create({ title: "new work" });
    await until(() => updated.length > 0, 10_000);
    expect(updated[0]).toBe("exarp://tasks/ready");
  });

  it("all end on close(): a waiting call is abandoned and stays open for a person; later requests get 503", async () => {
    const r = await serveRemoteMcp();
    const { secret } = r.mint("collaborator");
    const agent = await r.connect(secret);
    const id = (await agent.ok("task_write", { action: "create", title: "x" })).created.id;
    await agent.ok("claim", { action: "claim", taskId: id });
    agent.call("approval", { action: "request", taskId: id, timeoutMs: 60_000 }).catch(() => undefined);
    await until(() => r.exarp.tasks.get(id).status === "review");
    const started = Date.now();
    await r.remote.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.remote.stats().sessions).toBe(0);
    expect(r.exarp.approvals.pending().map((a) => a.taskId)).toEqual([id]);
    expect((await r.post(secret, INITIALIZE)).status).toBe(503);
  });
});
