// The HTTP application: every request is checked for where it is addressed and where it comes from,
// then routed — the JSON API, the event stream, remote MCP, the dashboard — and answered with the
// security headers. Errors become the house JSON once, here.
import type { Http2Bindings, HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { routePath } from "hono/route";
import type { Exarp } from "../app/exarp.ts";
import { NotFound } from "../errors-catalog.ts";
import { retryWhileBusy } from "../kernel/busy.ts";
import { int } from "../kernel/query.ts";
import { logRequest, nameSpan } from "../log/http.ts";
import type { Logger } from "../log/logger.ts";
import { NO_LOGGER } from "../log/none.ts";
import { inline } from "../text/safe.ts";
import { checkCrossSite, createAuthenticator, requireScope } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import type { Dashboard } from "./dashboard.ts";
import { errorResponse, Forbidden, MethodNotAllowed } from "./errors.ts";
import { secured } from "./headers.ts";
import { createLoginLimit, type LoginLimitOptions } from "./login-limit.ts";
import { sharedFeed } from "./mcp-feed.ts";
import type { Principal } from "./principal.ts";
import { readQuery } from "./query.ts";
import { jsonResponse } from "./respond.ts";
import { endWhenGone, sessionEnded, tokenRevoked } from "./revocation.ts";
import type { Method, Route } from "./route.ts";
import { coordinationRoutes } from "./routes/coordination.ts";
import { historyRoutes } from "./routes/history.ts";
import { runRoutes } from "./routes/runs.ts";
import { createSessionRoutes } from "./routes/session.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { createSessions, type SessionOptions } from "./sessions.ts";

/** The change stream at `GET /api/events` (src/serve/events.ts). */
export type EventStream = { stream(request: Request): Response };
/** Remote MCP at `/mcp` (src/serve/mcp-http.ts). */
export type McpEndpoint = { handle(request: Request, principal: Principal): Promise<Response> };

export type ServeAppOptions = {
  exarp: Exarp;
  /** The `host:port` values a request's Host may name (see hosts.ts). */
  hosts: ReadonlySet<string>;
  events: EventStream;
  mcp: McpEndpoint;
  dashboard: Dashboard;
  /** The project's `.exarp/` folder: other processes' revocations end streams at once. */
  watchDir?: string;
  /** How long a write held up by another process is retried before 503 Busy. */
  busyRetryMs: number;
  sessions?: SessionOptions;
  loginLimit?: LoginLimitOptions;
  /** Where internal errors are reported (never to the client). */
  log: (line: string) => void;
  /** One span and one record per request (`EXARP_LOG`); off by default. */
  logger?: Logger;
};

const isApi = (path: string) => path === "/mcp" || path === "/api" || path.startsWith("/api/");

/** What @hono/node-server passes along with each request. */
type Bindings = HttpBindings | Http2Bindings;

const clientAddress = (env: Bindings | undefined) => env?.incoming?.socket?.remoteAddress ?? "unknown";

/** Refuses a request addressed to another host (DNS rebinding) or sent by a page of another origin. */
function checkAddressing(request: Request, url: URL, hosts: ReadonlySet<string>): void {
  if (!hosts.has(`${url.hostname}:${url.port || "80"}`))
    throw new Forbidden({ reason: `this server does not answer for host ${inline(url.host, 100)}` });
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== url.origin)
    throw new Forbidden({ reason: "requests from other sites are refused (no CORS)" });
}

/** The application's `fetch`, for @hono/node-server (or a test calling it directly). */
export function createServeApp(options: ServeAppOptions) {
  const { exarp, log } = options;
  const sessions = createSessions(options.sessions);
  const auth = createAuthenticator(exarp, sessions, createLoginLimit(options.loginLimit));
  const feed = sharedFeed(exarp, options.watchDir, log);
  const app = new Hono<{ Bindings: Bindings }>();
  const methods = new Map<string, Set<Method>>();
  const register = (method: Method, path: string) => methods.set(path, (methods.get(path) ?? new Set()).add(method));
  const logger = (options.logger ?? NO_LOGGER).scoped("exarp.http");
  // First of all handlers: once the answer is made, the span learns the pattern of the route that made it.
  if (logger.on)
    app.use(async (c, next) => {
      await next();
      nameSpan(logger, routePath(c));
    });

  const mount = (route: Route) => {
    register(route.method, route.path);
    app.on(route.method, route.path, async (c) => {
      const request = c.req.raw;
      const found = auth.authenticate(request, clientAddress(c.env), { cookie: true });
      requireScope(found.principal, route.scope);
      if (route.method !== "GET") checkCrossSite(request, found, new URL(request.url).origin);
      const input = {
        principal: found.principal,
        services: exarp.as(found.principal.actor),
        exarp,
        params: c.req.param() as Record<string, string>,
        filter: readQuery(new URL(request.url).searchParams, route.query ?? {}),
        body: route.method === "GET" ? {} : await readJsonBody(request),
        request,
        session: found.session,
      };
      const reply =
        route.method === "GET"
          ? route.run(input)
          : await retryWhileBusy(() => route.run(input), { totalMs: options.busyRetryMs });
      if (!(reply instanceof Response)) return jsonResponse(reply.status, reply.body);
      // A HEAD of a stream gets its headers only: the stream itself ends now rather than wait for a reader.
      if (request.method === "HEAD") {
        await reply.body?.cancel();
        return new Response(null, { status: reply.status, headers: reply.headers });
      }
      return reply;
    });
  };

  const streamRoute: Route = {
    method: "GET",
    path: "/api/events",
    scope: "viewer",
    // The stream reads `after` itself; it is named here so that it is the only parameter taken.
    query: { after: { key: "after", kind: "int", field: int(0, Number.MAX_SAFE_INTEGER) } },
    run: ({ request, principal, session }) =>
      endWhenGone(options.events.stream(request), [
        tokenRevoked(principal.token.id, feed),
        ...(session ? [sessionEnded(sessions, session.id, session.value.expiresAt)] : []),
      ]),
  };
  for (const route of [
    ...taskRoutes,
    ...coordinationRoutes,
    ...historyRoutes,
    ...runRoutes,
    ...tokenRoutes,
    streamRoute,
  ])
    mount(route);

  const session = createSessionRoutes(auth, sessions);
  const caller = (c: { req: { raw: Request }; env: Bindings | undefined }) => ({
    request: c.req.raw,
    address: clientAddress(c.env),
    origin: new URL(c.req.raw.url).origin,
  });
  app.post("/api/session", (c) => session.login(caller(c)));
  app.get("/api/session", (c) => session.current(caller(c)));
  app.delete("/api/session", (c) => session.logout(caller(c)));
  for (const method of ["POST", "GET", "DELETE"] as const) register(method, "/api/session");

  // Remote MCP: any live bearer token (each tool checks the scope it needs); a cookie never reaches it.
  // The endpoint caps bodies and answers methods itself.
  app.all("/mcp", (c) => {
    const { principal } = auth.authenticate(c.req.raw, clientAddress(c.env), { cookie: false });
    return options.mcp.handle(c.req.raw, principal);
  });

  for (const [path, allowed] of methods) {
    app.all(path, (c) => {
      throw new MethodNotAllowed({
        method: c.req.method,
        allowed: [...allowed, ...(allowed.has("GET") ? ["HEAD"] : [])],
      });
    });
  }

  app.get("/", () => options.dashboard.page());
  app.get("/assets/*", (c) => {
    const asset = options.dashboard.asset(c.req.path.slice("/assets/".length));
    if (!asset) throw new NotFound({ kind: "file", id: inline(c.req.path, 200) });
    return asset;
  });
  // Deep links: any other page a browser asks for is the dashboard, which routes on the client.
  app.get("*", (c) => {
    if (!isApi(c.req.path) && /\btext\/html\b/.test(c.req.header("accept") ?? "")) return options.dashboard.page();
    throw new NotFound({ kind: "route", id: inline(`${c.req.method} ${c.req.path}`, 200) });
  });
  app.notFound((c) =>
    errorResponse(new NotFound({ kind: "route", id: inline(`${c.req.method} ${c.req.path}`, 200) }), log),
  );
  app.onError((error) => errorResponse(error, log));

  const answer = async (request: Request, env?: Bindings): Promise<Response> => {
    const url = new URL(request.url);
    let response: Response;
    try {
      checkAddressing(request, url, options.hosts);
      response = await app.fetch(request, env);
    } catch (error) {
      response = errorResponse(error, log);
    }
    return secured(response, isApi(url.pathname));
  };
  return {
    fetch: (request: Request, env?: Bindings): Promise<Response> =>
      logger.on ? logRequest(logger, request, () => answer(request, env)) : answer(request, env),
  };
}
