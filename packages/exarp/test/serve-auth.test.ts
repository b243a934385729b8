// Who may do what over HTTP: every route, called with no token, a viewer's, a collaborator's, an
// owner's and a revoked one, answers the status its scope says — and a refusal writes nothing. The
// actor is always the token's identity: a second token of the same person cannot approve that
// person's own review, a body cannot name another actor, and undoing someone else's change is an
// owner's call.
import { describe, expect, it } from "vitest";
import { coordinationRoutes } from "../src/serve/routes/coordination.ts";
import { historyRoutes } from "../src/serve/routes/history.ts";
import { runRoutes } from "../src/serve/routes/runs.ts";
import { taskRoutes } from "../src/serve/routes/tasks.ts";
import { tokenRoutes } from "../src/serve/routes/tokens.ts";
import type { Scope } from "../src/token/token.ts";
import { answer, json, PERSON, serveProject, type TestServer } from "./support/serve.ts";

type Credential = "none" | "revoked" | "viewer" | "collaborator" | "owner";
const CREDENTIALS: Credential[] = ["none", "revoked", "viewer", "collaborator", "owner"];

/** Who acts with each credential (the tokens serveProject makes). */
const IDENTITY: Record<Credential, string> = {
  none: "agent:bot",
  revoked: "agent:bot",
  viewer: "agent:viewer",
  collaborator: "agent:bot",
  owner: PERSON,
};

type Case = {
  name: string;
  scope: Scope;
  /** Makes the state the call needs (acting as `identity` where it matters) and returns the call. */
  setup(t: TestServer, identity: string): { path: string; init: RequestInit };
  /** The status when the scope suffices. */
  success: number;
  /** The route's own scope when the body asks for more (a forced release): a token below it is told that one. */
  gate?: Scope;
};

const as = (t: TestServer, name: string) => t.exarp.as({ name, session: null });
const newTask = (t: TestServer, title = "task") => t.exarp.tasks.create({ title }).id;
/** A task in review, asked for by agent:bot. */
function inReview(t: TestServer): string {
  const id = newTask(t, "reviewed");
  const bot = as(t, "agent:bot");
  bot.leases.claim({ taskId: id });
  bot.tasks.setStatus({ id, to: "review" });
  return id;
}
const get = (path: string) => () => ({ path, init: { method: "GET" } });
const body = (method: string, value: unknown) => json(method, value);

const CASES: Case[] = [
  { name: "GET /api/tasks", scope: "viewer", success: 200, setup: get("/api/tasks?status=todo,review&limit=5") },
  {
    name: "POST /api/tasks",
    scope: "collaborator",
    success: 201,
    setup: () => ({ path: "/api/tasks", init: body("POST", { title: "new", tags: ["api"] }) }),
  },
  {
    name: "GET /api/tasks/:id",
    scope: "viewer",
    success: 200,
    setup: (t) => ({ path: `/api/tasks/${newTask(t)}`, init: {} }),
  },
  {
    name: "PATCH /api/tasks/:id",
    scope: "collaborator",
    success: 200,
    setup: (t) => ({ path: `/api/tasks/${newTask(t)}`, init: body("PATCH", { title: "renamed", expectedVersion: 1 }) }),
  },
  {
    name: "GET /api/tasks/:id/explain",
    scope: "viewer",
    success: 200,
    setup: (t) => ({ path: `/api/tasks/${newTask(t)}/explain`, init: {} }),
  },
  {
    name: "POST /api/tasks/:id/status",
    scope: "collaborator",
    success: 200,
    setup: (t) => ({
      path: `/api/tasks/${newTask(t)}/status`,
      init: body("POST", { to: "blocked", reason: "waiting" }),
    }),
  },
  {
    name: "POST /api/tasks/:id/comments",
    scope: "collaborator",
    success: 201,
    setup: (t) => ({ path: `/api/tasks/${newTask(t)}/comments`, init: body("POST", { body: "looks good" }) }),
  },
  {
    name: "POST /api/tasks/:id/dependencies",
    scope: "collaborator",
    success: 200,
    setup: (t) => ({
      path: `/api/tasks/${newTask(t)}/dependencies`,
      init: body("POST", { blocker: newTask(t, "blocker") }),
    }),
  },
  {
    name: "DELETE /api/tasks/:id/dependencies/:blocker",
    scope: "collaborator",
    success: 200,
    setup: (t) => {
      const [task, blocker] = [newTask(t), newTask(t, "blocker")];
      t.exarp.tasks.addDependency({ taskId: task, blockerId: blocker });
      return { path: `/api/tasks/${task}/dependencies/${blocker}`, init: { method: "DELETE" } };
    },
  },
  {
    name: "POST /api/tasks/:id/claim",
    scope: "collaborator",
    success: 200,
    setup: (t) => ({ path: `/api/tasks/${newTask(t)}/claim`, init: body("POST", { ttlMs: 60_000 }) }),
  },
  {
    name: "POST /api/tasks/:id/renew",
    scope: "collaborator",
    success: 200,
    setup: (t, identity) => {
      const id = newTask(t);
      as(t, identity).leases.claim({ taskId: id });
      return { path: `/api/tasks/${id}/renew`, init: body("POST", { ttlMs: 120_000 }) };
    },
  },
  {
    name: "POST /api/tasks/:id/release",
    scope: "collaborator",
    success: 200,
    setup: (t, identity) => {
      const id = newTask(t);
      as(t, identity).leases.claim({ taskId: id });
      return { path: `/api/tasks/${id}/release`, init: { method: "POST" } };
    },
  },
  {
    name: "POST /api/tasks/:id/release (force: someone else's)",
    scope: "owner",
    gate: "collaborator",
    success: 200,
    setup: (t) => {
      const id = newTask(t);
      as(t, "agent:other").leases.claim({ taskId: id });
      return { path: `/api/tasks/${id}/release`, init: body("POST", { force: true }) };
    },
  },
  {
    name: "POST /api/tasks/:id/approve",
    scope: "owner",
    success: 200,
    setup: (t) => ({ path: `/api/tasks/${inReview(t)}/approve`, init: body("POST", { note: "fine" }) }),
  },
  {
    name: "POST /api/tasks/:id/deny",
    scope: "owner",
    success: 200,
    setup: (t) => ({ path: `/api/tasks/${inReview(t)}/deny`, init: body("POST", { reason: "tests missing" }) }),
  },
  { name: "GET /api/ready", scope: "viewer", success: 200, setup: get("/api/ready?limit=3") },
  {
    name: "POST /api/ready/claim",
    scope: "collaborator",
    success: 200,
    setup: (t) => {
      newTask(t, "ready one");
      return { path: "/api/ready/claim", init: body("POST", { can: ["*"] }) };
    },
  },
  { name: "GET /api/approvals", scope: "viewer", success: 200, setup: get("/api/approvals") },
  { name: "GET /api/runs", scope: "viewer", success: 200, setup: get("/api/runs") },
  { name: "GET /api/leases", scope: "viewer", success: 200, setup: get("/api/leases") },
  { name: "GET /api/plan", scope: "viewer", success: 200, setup: get("/api/plan?cap=4") },
  { name: "GET /api/history", scope: "viewer", success: 200, setup: get("/api/history?limit=10") },
  {
    name: "POST /api/undo (one's own change)",
    scope: "collaborator",
    success: 200,
    setup: (t, identity) => {
      as(t, identity).tasks.create({ title: "mine" });
      return { path: "/api/undo", init: { method: "POST" } };
    },
  },
  {
    name: "POST /api/undo (someone else's change)",
    scope: "owner",
    gate: "collaborator",
    success: 200,
    setup: (t) => {
      as(t, "agent:other").tasks.create({ title: "theirs" });
      return { path: "/api/undo", init: body("POST", { seq: t.exarp.store.maxSeq() }) };
    },
  },
  {
    name: "POST /api/sweep",
    scope: "collaborator",
    success: 200,
    setup: () => ({ path: "/api/sweep", init: { method: "POST" } }),
  },
  { name: "GET /api/tokens", scope: "owner", success: 200, setup: get("/api/tokens") },
  {
    name: "POST /api/tokens",
    scope: "owner",
    success: 201,
    setup: () => ({ path: "/api/tokens", init: body("POST", { scope: "viewer", name: "wall" }) }),
  },
  {
    name: "DELETE /api/tokens/:id",
    scope: "owner",
    success: 200,
    setup: (t) => ({
      path: `/api/tokens/${t.exarp.tokens.create({ scope: "viewer" }).token.id}`,
      init: { method: "DELETE" },
    }),
  },
  { name: "GET /api/events", scope: "viewer", success: 200, setup: get("/api/events") },
  {
    name: "POST /mcp (initialize)",
    scope: "viewer",
    success: 200,
    setup: () => ({
      path: "/mcp",
      init: {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "matrix", version: "1" } },
        }),
      },
    }),
  },
];

const RANK: Record<Scope, number> = { viewer: 0, collaborator: 1, owner: 2 };

function expected(credential: Credential, c: Case): number {
  if (credential === "none" || credential === "revoked") return 401;
  return RANK[credential] >= RANK[c.scope] ? c.success : 403;
}

/** The scope a refusal names: the first one the token lacks. */
const missing = (credential: Scope, c: Case): Scope => (c.gate && RANK[credential] < RANK[c.gate] ? c.gate : c.scope);

describe("the authorisation matrix", () => {
  it("covers every route of the API", () => {
    const routes = [...taskRoutes, ...coordinationRoutes, ...historyRoutes, ...tokenRoutes, ...runRoutes].map(
      (r) => `${r.method} ${r.path}`,
    );
    const covered = new Set(CASES.map((c) => c.name.replace(/ \(.*\)$/, "")));
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
    for (const c of CASES) {
      const route = [...taskRoutes, ...coordinationRoutes, ...historyRoutes, ...tokenRoutes].find(
        (r) => `${r.method} ${r.path}` === c.name.replace(/ \(.*\)$/, ""),
      );
      if (route) expect(c.gate ?? c.scope, c.name).toBe(route.scope);
    }
  });

  it("answers every route for every credential as its scope says, and a refusal writes nothing", async () => {
    // Each revoked-token call is a failed login: the limit (tested on its own) must not answer first.
    const t = await serveProject({ loginLimit: { maxFailures: 1000 } });
    const table: Record<string, Record<Credential, number>> = {};
    for (const c of CASES) {
      const row = {} as Record<Credential, number>;
      table[c.name] = row;
      for (const credential of CREDENTIALS) {
        const { path, init } = c.setup(t, IDENTITY[credential]);
        const before = t.exarp.store.maxSeq();
        const token = credential === "none" ? undefined : t.tokens[credential];
        const response = await t.call(path, { ...init, token });
        const want = expected(credential, c);
        const status = response.status;
        row[credential] = status;
        if (status >= 400) {
          const { body: error } = await answer(response);
          expect(error.error, `${c.name} as ${credential}`).toMatchObject({
            name: want === 401 ? "Unauthenticated" : want === 403 ? "Forbidden" : expect.any(String),
            message: expect.any(String),
          });
          if (want === 403)
            expect(error.error.message).toContain(
              `the ${missing(credential as Scope, c)} scope; yours has ${credential}`,
            );
        } else await response.body?.cancel();
        expect(status, `${c.name} as ${credential}: ${JSON.stringify(row)}`).toBe(want);
        if (want >= 400) expect(t.exarp.store.maxSeq(), `${c.name} as ${credential} wrote`).toBe(before);
      }
    }
    console.table(table);
  });

  it("refuses an owner's approval of their own review, through a second token of the same person", async () => {
    const t = await serveProject();
    const id = newTask(t);
    const claim = await answer(await t.call(`/api/tasks/${id}/claim`, json("POST", {}, t.tokens.owner)));
    expect(claim).toMatchObject({ status: 200, body: { acquired: true } });
    const review = await t.call(`/api/tasks/${id}/status`, json("POST", { to: "review" }, t.tokens.owner));
    expect(review.status).toBe(200);
    const before = t.exarp.store.maxSeq();
    for (const [path, value] of [
      [`/api/tasks/${id}/approve`, {}],
      [`/api/tasks/${id}/status`, { to: "done" }],
    ] as const) {
      const refused = await answer(await t.call(path, json("POST", value, t.tokens.owner2)));
      expect(refused.status, path).toBe(403);
      expect(refused.body.error.name).toBe("Unauthorized");
    }
    expect(t.exarp.store.maxSeq()).toBe(before);
    expect(t.exarp.tasks.get(id).status).toBe("review");
  });

  it("makes owner tokens only for the caller: one for another person could approve the caller's own review", async () => {
    const t = await serveProject();
    const id = newTask(t);
    await t.call(`/api/tasks/${id}/claim`, json("POST", {}, t.tokens.owner));
    expect((await t.call(`/api/tasks/${id}/status`, json("POST", { to: "review" }, t.tokens.owner))).status).toBe(200);
    const before = t.exarp.store.maxSeq();
    const mint = (value: object) => t.call("/api/tokens", json("POST", value, t.tokens.owner)).then(answer);
    const refused = await mint({ scope: "owner", as: "user:bob" });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      name: "Forbidden",
      message: `an owner token acts as the person who makes it (${PERSON}), not user:bob`,
    });
    expect(t.exarp.store.maxSeq()).toBe(before);
    expect(t.exarp.tasks.get(id).status).toBe("review");
    for (const [value, identity] of [
      [{ scope: "owner" }, PERSON],
      [{ scope: "owner", as: ` ${PERSON} ` }, PERSON],
      [{ scope: "collaborator", as: "agent:ci" }, "agent:ci"],
      [{ scope: "viewer", as: "user:bob" }, "user:bob"],
    ] as const) {
      const made = await mint(value);
      expect(made.status, JSON.stringify(value)).toBe(201);
      expect(made.body.token.identity).toBe(identity);
    }
  });

  it("acts as the token's identity: a body naming an actor is refused, the session header names a session", async () => {
    const t = await serveProject();
    const before = t.exarp.store.maxSeq();
    for (const field of [{ as: PERSON }, { actor: PERSON }, { as: { agent: "agent:x" } }]) {
      const refused = await answer(
        await t.call("/api/tasks", json("POST", { title: "x", ...field }, t.tokens.collaborator)),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error.name).toBe("InvalidInput");
    }
    expect(t.exarp.store.maxSeq()).toBe(before);
    const init = json("POST", { title: "mine" }, t.tokens.collaborator);
    const made = await answer(
      await t.call("/api/tasks", { ...init, headers: { ...init.headers, "x-exarp-session": "ses_1" } }),
    );
    expect(made.status).toBe(201);
    const [event] = t.exarp.history.list({ limit: 1 });
    expect(event).toMatchObject({ type: "task.created", actor: "agent:bot", session: "ses_1" });
    const claimed = await answer(
      await t.call(`/api/tasks/${made.body.task.id}/claim`, {
        ...json("POST", {}, t.tokens.collaborator),
        headers: { "content-type": "application/json", "x-exarp-session": "ses_1" },
      }),
    );
    expect(claimed.body.lease).toMatchObject({ agent: "agent:bot", session: "ses_1" });
    for (const session of ["", "s".repeat(101)]) {
      const badSession = await t.call("/api/tasks", {
        token: t.tokens.viewer,
        headers: { "x-exarp-session": session },
      });
      expect(badSession.status).toBe(400);
    }
  });

  it("lets a collaborator undo only its own change; another's needs an owner", async () => {
    const t = await serveProject();
    as(t, "agent:bot").tasks.create({ title: "bot's" });
    const botSeq = t.exarp.store.maxSeq();
    t.exarp.tasks.create({ title: "alice's" });
    const aliceSeq = t.exarp.store.maxSeq();
    const refused = await answer(await t.call("/api/undo", json("POST", { seq: aliceSeq }, t.tokens.collaborator)));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ name: "Forbidden", data: { need: "owner", have: "collaborator" } });
    expect(t.exarp.store.maxSeq()).toBe(aliceSeq);
    const own = await answer(await t.call("/api/undo", json("POST", { seq: botSeq }, t.tokens.collaborator)));
    expect(own.status).toBe(200);
    expect(own.body.undone[0]).toMatchObject({ seq: botSeq, actor: "agent:bot" });
    const missing = await answer(await t.call("/api/undo", json("POST", { seq: 10_000 }, t.tokens.collaborator)));
    expect(missing.status).toBe(404);
    const byOwner = await answer(await t.call("/api/undo", json("POST", { seq: aliceSeq }, t.tokens.owner)));
    expect(byOwner.status).toBe(200);
  });
});
