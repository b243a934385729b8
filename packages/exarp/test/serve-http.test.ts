// The server as a browser and a hostile page see it: Host and Origin checks (DNS rebinding, no
// CORS), the session cookie and its cross-site checks, the failed-login limit, the security
// headers, the dashboard's files (no way out of their folder), the house JSON for unknown routes
// and methods, and 503 Busy while another process holds the write lock.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createServeApp } from "../src/serve/app.ts";
import { createDashboard } from "../src/serve/dashboard.ts";
import { allowedHosts, serverUrl } from "../src/serve/hosts.ts";
import { createLoginLimit } from "../src/serve/login-limit.ts";
import { createSessions } from "../src/serve/sessions.ts";
import { runNode } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { run } from "./support/hermetic.ts";
import {
  answer,
  dashboardFixture,
  json,
  PERSON,
  rawBytes,
  rawRequest,
  serveProject,
  type TestServer,
} from "./support/serve.ts";
import { tempDir } from "./support/temp.ts";

const HOLDER = fileURLToPath(new URL("./workers/hold-write-lock.mjs", import.meta.url));

/** Logs in with `secret`; returns the cookie to send back and the anti-forgery value. */
async function login(t: TestServer, secret: string) {
  const response = await t.call("/api/session", json("POST", { token: secret }));
  const { body } = await answer(response);
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { status: response.status, body, setCookie, cookie: setCookie.split(";")[0] as string };
}

describe("addressing: Host and Origin", () => {
  it("answers only its own host:port (loopback names included) and refuses other sites' pages", async () => {
    const t = await serveProject();
    const get = (host: string, extra: Record<string, string> = {}) =>
      rawRequest(t.port, { path: "/api/session", headers: { host, ...extra } });
    for (const host of [`127.0.0.1:${t.port}`, `localhost:${t.port}`, `[::1]:${t.port}`, `LOCALHOST:${t.port}`]) {
      expect((await get(host)).status, host).toBe(401);
    }
    for (const host of [`evil.example:${t.port}`, `127.0.0.1:${t.port + 1}`, "127.0.0.1", `10.0.0.1:${t.port}`]) {
      const refused = await get(host);
      expect(refused.status, host).toBe(403);
      expect(JSON.parse(refused.body).error.name).toBe("Forbidden");
    }
    const page = await rawRequest(t.port, { path: "/", headers: { host: `rebound.example:${t.port}` } });
    expect(page.status).toBe(403);
    const foreign = await get(`127.0.0.1:${t.port}`, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const own = await get(`127.0.0.1:${t.port}`, { origin: t.base });
    expect(own.status).toBe(401);
  });

  it("knows which hosts a bound address answers for", () => {
    expect([...allowedHosts("127.0.0.1", 80)]).toEqual(["127.0.0.1:80", "localhost:80", "[::1]:80"]);
    expect([...allowedHosts("192.168.1.5", 4477)]).toEqual(["192.168.1.5:4477"]);
    expect(allowedHosts("::1", 9).has("[::1]:9")).toBe(true);
    const everywhere = allowedHosts("0.0.0.0", 4477);
    expect(everywhere.has("127.0.0.1:4477")).toBe(true);
    expect(everywhere.has("evil.example:4477")).toBe(false);
    // The URL `exarp serve` prints is one it answers, a wildcard bind included.
    for (const bound of ["127.0.0.1", "localhost", "::1", "192.168.1.5", "0.0.0.0", "::"])
      expect(allowedHosts(bound, 4477).has(new URL(serverUrl(bound, 4477)).host), bound).toBe(true);
    expect([serverUrl("0.0.0.0", 80), serverUrl("::", 80)]).toEqual(["http://127.0.0.1:80/", "http://[::1]:80/"]);
  });

  it("sends no CORS header, to a preflight or anything else", async () => {
    const t = await serveProject();
    const responses = [
      await rawRequest(t.port, {
        method: "OPTIONS",
        path: "/api/tasks",
        headers: {
          host: `127.0.0.1:${t.port}`,
          origin: "https://evil.example",
          "access-control-request-method": "POST",
        },
      }),
      await rawRequest(t.port, { method: "OPTIONS", path: "/api/tasks", headers: { host: `127.0.0.1:${t.port}` } }),
      await rawRequest(t.port, {
        path: "/api/tasks",
        headers: { host: `127.0.0.1:${t.port}`, authorization: `Bearer ${t.tokens.viewer}` },
      }),
    ];
    expect(responses.map((r) => r.status)).toEqual([403, 405, 200]);
    for (const r of responses)
      expect(Object.keys(r.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });
});

describe("sessions", () => {
  it("exchanges a token for an HttpOnly, SameSite=Strict cookie, and checks cookie writes for CSRF and Origin", async () => {
    const t = await serveProject();
    const { status, body, setCookie, cookie } = await login(t, t.tokens.owner);
    expect(status).toBe(200);
    expect(body).toEqual({
      identity: PERSON,
      scope: "owner",
      name: "owner",
      csrf: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(setCookie).toMatch(/^exarp_session_\d+=[\w-]{43}; /);
    const flags = setCookie.split("; ").slice(1);
    expect(flags).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Path=/"]));
    expect(flags.some((f) => /^(Domain|Secure)/i.test(f))).toBe(false);

    const withCookie = (init: RequestInit = {}) => ({ ...init, headers: { cookie, ...init.headers } });
    expect(await answer(await t.call("/api/session", withCookie()))).toEqual({ status: 200, body });
    expect((await t.call("/api/tasks", withCookie())).status).toBe(200);

    const before = t.exarp.store.maxSeq();
    const post = (headers: Record<string, string>) =>
      t.call(
        "/api/tasks",
        withCookie({
          method: "POST",
          body: JSON.stringify({ title: "from the page" }),
          headers: { "content-type": "application/json", cookie, ...headers },
        }),
      );
    const refusals = [
      await post({}),
      await post({ origin: t.base }),
      await post({ "x-exarp-csrf": body.csrf }),
      await post({ "x-exarp-csrf": `${body.csrf.slice(0, -1)}x`, origin: t.base }),
      await post({ "x-exarp-csrf": body.csrf, origin: "https://evil.example" }),
    ];
    for (const r of refusals) expect((await answer(r)).body.error.name).toBe("Forbidden");
    expect(refusals.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    expect(t.exarp.store.maxSeq()).toBe(before);
    const written = await post({ "x-exarp-csrf": body.csrf, origin: t.base });
    expect(written.status).toBe(201);

    // The cookie never reaches remote MCP, and a token in the URL is no credential.
    expect((await t.call("/mcp", withCookie({ method: "POST" }))).status).toBe(401);
    expect((await t.call(`/api/tasks?token=${t.tokens.owner}`)).status).toBe(401);
    expect((await t.call(`/api/events?access_token=${t.tokens.owner}`)).status).toBe(401);

    const out = await t.call(
      "/api/session",
      withCookie({ method: "DELETE", headers: { cookie, "x-exarp-csrf": body.csrf, origin: t.base } }),
    );
    expect(await answer(out)).toEqual({ status: 200, body: { loggedOut: true } });
    expect(out.headers.get("set-cookie")).toMatch(/^exarp_session_\d+=; .*Max-Age=0/);
    expect((await t.call("/api/session", withCookie())).status).toBe(401);
  });

  it("ends a session when its token is revoked, and refuses bad logins with the house errors", async () => {
    const t = await serveProject();
    const viewer = await login(t, t.tokens.viewer);
    const headers = { cookie: viewer.cookie };
    expect((await t.call("/api/tasks", { headers })).status).toBe(200);
    const id = t.exarp.tokens.list().find((k) => k.scope === "viewer")?.id as string;
    t.exarp.tokens.revoke({ id });
    expect((await answer(await t.call("/api/tasks", { headers }))).body.error.name).toBe("Unauthenticated");

    expect((await login(t, t.tokens.revoked)).status).toBe(401);
    expect((await login(t, "exarp_not-a-token")).status).toBe(401);
    const extra = await t.call("/api/session", json("POST", { token: t.tokens.owner, as: "user:bob" }));
    expect(extra.status).toBe(400);
    expect(extra.headers.get("set-cookie")).toBeNull();
    const form = await t.call("/api/session", {
      method: "POST",
      body: `token=${t.tokens.owner}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect((await t.call("/api/session")).status).toBe(401);
  });

  it("ends a revoked token's event stream, whichever process revokes it", async () => {
    const t = await serveProject();
    const open = async (secret: string) => {
      const response = await t.call("/api/events", { token: secret });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      return reader;
    };
    const drained = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
      for (let r = await reader.read(); !r.done; r = await reader.read());
      return true;
    };
    const here = t.exarp.tokens.create({ scope: "viewer", name: "here" });
    const there = t.exarp.tokens.create({ scope: "viewer", name: "there" });
    const [a, b, kept] = [await open(here.secret), await open(there.secret), await open(t.tokens.viewer)];
    t.exarp.tokens.revoke({ id: here.token.id });
    expect(await drained(a)).toBe(true);
    const revoked = run(t.root, ["token", "revoke", there.token.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await drained(b)).toBe(true);
    t.exarp.tasks.create({ title: "still streaming" });
    let seen = "";
    while (!seen.includes("still streaming")) seen += new TextDecoder().decode((await kept.read()).value);
    await kept.cancel();
  });

  it("never sends a token's secret hash: not in the history, not in the event stream", async () => {
    const t = await serveProject();
    const hashes = t.exarp.store
      .listEvents({ after: 0, limit: 100 })
      .flatMap((e) => (e.type === "token.created" ? [e.payload.secretHash] : []));
    expect(hashes.length).toBeGreaterThan(0);
    const history = await (await t.call("/api/history?limit=100", { token: t.tokens.viewer })).text();
    expect(history).toContain("token.created");
    const abort = new AbortController();
    const stream = await t.call("/api/events?after=0", { token: t.tokens.viewer, signal: abort.signal });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let streamed = "";
    while (!streamed.includes(`id: ${t.exarp.store.maxSeq()}\n`))
      streamed += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    for (const hash of hashes) {
      expect(history).not.toContain(hash);
      expect(streamed).not.toContain(hash);
    }
    expect(streamed).toContain("token.created");
  });

  it("ends a page's event stream when it logs out, and when its session expires", async () => {
    const t = await serveProject({ sessions: { ttlMs: 1500 } });
    const drained = async (response: Response) => {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read());
      return true;
    };
    const page = async () => {
      const { cookie, body } = await login(t, t.tokens.viewer);
      const stream = await t.call("/api/events", { headers: { cookie } });
      expect(stream.status).toBe(200);
      return { cookie, csrf: (body as { csrf: string }).csrf, stream };
    };
    const leaving = await page();
    const logout = await t.call("/api/session", {
      method: "DELETE",
      headers: { cookie: leaving.cookie, "x-exarp-csrf": leaving.csrf, origin: t.base.replace(/\/$/, "") },
    });
    expect(logout.status).toBe(200);
    expect(await drained(leaving.stream)).toBe(true);
    const staying = await page();
    const started = Date.now();
    expect(await drained(staying.stream)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(500);
    expect((await t.call("/api/events", { headers: { cookie: staying.cookie } })).status).toBe(401);
  });

  it("keeps a bounded table of expiring sessions", () => {
    let now = 0;
    const sessions = createSessions({ maxSessions: 2, ttlMs: 1000, now: () => now });
    const [a, b, c] = ["t1", "t2", "t3"].map((tokenId) => sessions.open(tokenId).id) as [string, string, string];
    expect(sessions.find(a)).toBeUndefined();
    expect(sessions.find(b)?.tokenId).toBe("t2");
    now = 1000;
    expect(sessions.find(c)).toBeUndefined();
  });
});

describe("failed logins", () => {
  it("answers 429 with Retry-After after 10 failures a minute from one address, for bearer and session logins alike", async () => {
    let now = 1_000_000;
    const t = await serveProject({ loginLimit: { now: () => now } });
    for (let i = 0; i < 10; i++) {
      const bad =
        i % 2 ? await t.call("/api/tasks", { token: `exarp_${"x".repeat(43)}` }) : (await login(t, "wrong")).status;
      expect(typeof bad === "number" ? bad : bad.status).toBe(401);
    }
    for (const limited of [
      await t.call("/api/tasks", { token: t.tokens.owner }),
      await t.call("/api/session", json("POST", { token: t.tokens.owner })),
      await t.call("/api/tasks", { headers: { authorization: "Basic x" } }),
    ]) {
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect((await answer(limited)).body.error.name).toBe("TooManyRequests");
    }
    now += 60_000;
    expect((await t.call("/api/tasks", { token: t.tokens.owner })).status).toBe(200);
  });

  it("does not count a revoked token's retries: a stale client cannot lock its address's other clients out", async () => {
    const t = await serveProject();
    for (let i = 0; i < 15; i++) {
      const stale = i % 2 ? await t.call("/api/tasks", { token: t.tokens.revoked }) : await login(t, t.tokens.revoked);
      expect(stale.status).toBe(401);
    }
    expect((await t.call("/api/tasks", { token: t.tokens.viewer })).status).toBe(200);
    for (let i = 0; i < 10; i++) await t.call("/api/tasks", { token: `exarp_${"y".repeat(43)}` });
    expect((await t.call("/api/tasks", { token: t.tokens.viewer })).status).toBe(429);
  });

  it("remembers a bounded number of addresses", () => {
    const limit = createLoginLimit({ maxFailures: 1, maxAddresses: 2 });
    for (const address of ["a", "b", "c"]) limit.fail(address);
    expect(() => limit.check("a")).not.toThrow();
    expect(() => limit.check("c")).toThrow(/too many failed logins/);
  });
});

describe("headers and routes", () => {
  it("puts the security headers on every answer, no-store on the API", async () => {
    const t = await serveProject();
    const responses = {
      api: await t.call("/api/tasks", { token: t.tokens.viewer }),
      error: await t.call("/api/tasks/T-none", { token: t.tokens.viewer }),
      unauthenticated: await t.call("/api/tasks"),
      page: await t.call("/"),
      asset: await t.call("/assets/app.js"),
      stream: await t.call("/api/events", { token: t.tokens.viewer }),
    };
    for (const [what, r] of Object.entries(responses)) {
      expect(r.headers.get("x-content-type-options"), what).toBe("nosniff");
      expect(r.headers.get("referrer-policy"), what).toBe("no-referrer");
      const csp = r.headers.get("content-security-policy") ?? "";
      expect(csp, what).toContain("default-src 'self'");
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(csp, what).not.toContain("unsafe-inline");
      await r.body?.cancel();
    }
    for (const what of ["api", "error", "unauthenticated", "stream"] as const)
      expect(responses[what].headers.get("cache-control"), what).toBe("no-store");
  });

  it("answers HEAD of the event stream with its headers and keeps no stream open for it", async () => {
    const t = await serveProject();
    for (let i = 0; i < 3; i++) {
      const head = await t.call("/api/events", { method: "HEAD", token: t.tokens.viewer });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    }
    expect(t.server.events.stats().clients).toBe(0);
  });

  it("answers unknown routes 404 and wrong methods 405 with the house JSON", async () => {
    const t = await serveProject();
    const notFound = await answer(await t.call("/api/nothing", { token: t.tokens.viewer }));
    expect(notFound).toMatchObject({ status: 404, body: { error: { name: "NotFound", message: expect.any(String) } } });
    const cases: [string, string, string][] = [
      ["PUT", "/api/tasks", "GET, POST, HEAD"],
      ["DELETE", "/api/tasks/T-1", "GET, PATCH, HEAD"],
      ["GET", "/api/sweep", "POST"],
      ["PATCH", "/api/session", "POST, GET, DELETE, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const r = await t.call(path, { method, token: t.tokens.owner });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get("allow")).toBe(allow);
      expect((await answer(r)).body.error.name).toBe("MethodNotAllowed");
    }
    const garbage = await rawBytes(t.port, "NOT HTTP AT ALL\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf("\r\n\r\n") + 4)).error.name).toBe("InvalidInput");
    const noHost = await rawBytes(t.port, "GET /api/tasks HTTP/1.0\r\n\r\n");
    expect(noHost).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(noHost).toContain('"error":{"name":');
  });

  it("logs an internal error and tells the client only that it happened", async () => {
    const t = await serveProject();
    const logged: string[] = [];
    const app = createServeApp({
      exarp: t.exarp,
      hosts: new Set(["127.0.0.1:1"]),
      events: {
        stream: () => {
          throw new Error("secret internals at /srv/x.ts:1");
        },
      },
      mcp: t.server.mcp,
      dashboard: createDashboard(dashboardFixture()),
      busyRetryMs: 300,
      log: (line) => logged.push(line),
    });
    const request = new Request("http://127.0.0.1:1/api/events", {
      headers: { authorization: `Bearer ${t.tokens.viewer}` },
    });
    const r = await answer(await app.fetch(request));
    expect(r.status).toBe(500);
    expect(r.body.error).toEqual({ name: "InternalError", message: expect.any(String), data: {} });
    expect(JSON.stringify(r.body)).not.toContain("secret internals");
    expect(logged.join("\n")).toContain("secret internals");
  });
});

describe("the dashboard's files", () => {
  it("serves the page and its assets with their types, deep links as the page, and nothing outside the folder", async () => {
    const dir = dashboardFixture();
    const outside = tempDir("exarp-outside-");
    writeFileSync(join(outside, "secret.txt"), "leaked: outside");
    writeFileSync(join(dir, "assets", ".hidden"), "leaked: hidden");
    writeFileSync(join(dir, "secret.txt"), "leaked: beside the assets");
    symlinkSync(join(outside, "secret.txt"), join(dir, "assets", "link.txt"));
    mkdirSync(join(dir, "assets", "fonts"));
    writeFileSync(join(dir, "assets", "fonts", "a.woff2"), "font");
    const t = await serveProject({ dashboardDir: dir });

    const page = await t.call("/");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("/assets/app.js");
    for (const [path, type] of [
      ["/assets/app.js", "text/javascript; charset=utf-8"],
      ["/assets/app.css", "text/css; charset=utf-8"],
      ["/assets/fonts/a.woff2", "font/woff2"],
    ]) {
      const r = await t.call(path as string);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type")).toBe(type);
      await r.body?.cancel();
    }
    const deep = await t.call("/task/T-1", { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(await deep.text()).toContain("/assets/app.js");
    expect((await t.call("/task/T-1")).status).toBe(404);
    expect((await t.call("/api/nothing", { headers: { accept: "text/html" } })).status).toBe(404);

    const tricks = [
      "/assets/../secret.txt",
      "/assets/%2e%2e/secret.txt",
      "/assets/..%2fsecret.txt",
      "/assets/..%5csecret.txt",
      "/assets/.hidden",
      "/assets/link.txt",
      "/assets/fonts/../../secret.txt",
      "/assets/nothing.js",
      "/assets/",
      "/assets/app.js%00.html",
      `/assets/${"a".repeat(300)}.js`,
    ];
    for (const path of tricks) {
      const r = await rawRequest(t.port, { path, headers: { host: `127.0.0.1:${t.port}` } });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.body, path).not.toContain("leaked");
      expect(JSON.parse(r.body).error.name, path).toEqual(expect.any(String));
    }
  });

  it("says how to build the dashboard when its folder has no page", async () => {
    const t = await serveProject({ dashboardDir: tempDir("exarp-empty-web-") });
    const page = await t.call("/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("npm run build");
  });
});

describe("a write lock held by another process", () => {
  it("answers writes 503 Busy with Retry-After and writes nothing, reads as usual; then the write lands", async () => {
    const t = await serveProject({ busyRetryMs: 300 });
    t.exarp.tasks.create({ title: "there" });
    const holder = runNode(HOLDER, [join(t.root, ".exarp", "exarp.db"), "60000"]);
    try {
      await until(() => holder.output().includes("holding"), 20_000);
      const before = t.exarp.store.maxSeq();
      const started = Date.now();
      const busy = await t.call("/api/tasks", json("POST", { title: "while locked" }, t.tokens.collaborator));
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("1");
      expect((await answer(busy)).body.error).toMatchObject({ name: "Busy", data: { waitedMs: expect.any(Number) } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const read = await answer(await t.call("/api/tasks", { token: t.tokens.viewer }));
      expect(read.status).toBe(200);
      expect(read.body.tasks.map((task: { title: string }) => task.title)).toEqual(["there"]);
      expect(t.exarp.store.maxSeq()).toBe(before);
    } finally {
      holder.child.stdin.write("release\n");
      await holder.done;
    }
    const landed = await t.call("/api/tasks", json("POST", { title: "after" }, t.tokens.collaborator));
    expect(landed.status).toBe(201);
  });
});
