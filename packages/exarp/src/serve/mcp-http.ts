// Remote MCP: the same tools as `exarp mcp`, over MCP's Streamable HTTP transport at `/mcp`, for
// the token that authenticated each request. The SDK's web-standard transport speaks HTTP (POST
// answers as SSE, the GET notification stream, DELETE); exarp's own protocol serves each session.
import { randomUUID } from "node:crypto";
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Exarp } from "../app/exarp.ts";
import type { Logger } from "../log/logger.ts";
import { createMcpServer, type ExarpMcpServer } from "../mcp/server.ts";
import { sharedFeed } from "./mcp-feed.ts";
import { rpcError, SERVER_ERROR, SESSION_NOT_FOUND, whenDone } from "./mcp-response.ts";
import type { Principal } from "./principal.ts";

export type RemoteMcpOptions = {
  /** The project's `.exarp/` folder, watched for other processes' commits (notifications, revocations). */
  watchDir?: string;
  /** Where diagnostics go (default stderr). */
  log?: (line: string) => void;
  /** How long a write keeps retrying while another process holds the write lock (default 10 s). */
  busyRetryMs?: number;
  /** Sessions open at once (default 100); when full, the least recently used idle one is closed. */
  maxSessions?: number;
  /** Sessions one token may hold (default 10); its least recently used one makes room for a new one. */
  maxSessionsPerToken?: number;
  /** A session with no open request or stream for this long is closed (default 1 h). */
  idleMs?: number;
  /** The clock idle expiry reads (default Date.now). */
  now?: () => number;
  /** One record per tool call, in the span of the HTTP request that carried it; off by default. */
  logger?: Logger;
};

const DEFAULTS = { maxSessions: 100, maxSessionsPerToken: 10, idleMs: 60 * 60_000 };
/** The largest JSON-RPC body accepted, as for every other route. */
const MAX_BODY_BYTES = 1024 * 1024;
const METHODS = ["GET", "POST", "DELETE"];

type Session = {
  tokenId: string;
  server: ExarpMcpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  /** Responses (answers, the notification stream) still open. */
  open: number;
  lastUsed: number;
};

/**
 * MCP Streamable HTTP for `exarp serve`: `handle` answers a request already authenticated by its
 * bearer token. A POST `initialize` without `Mcp-Session-Id` opens a session: its own MCP server,
 * acting as the principal of that request (the token's identity) with the token's scope. A session answers only the token that
 * opened it (to any other it does not exist: 404, and the client opens its own); it ends on DELETE,
 * when its token is revoked, after `idleMs` without an open request or stream, or to make room
 * (bounded per token and in all). `close()` ends every session and waits for their calls.
 */
export function createRemoteMcp(exarp: Exarp, options: RemoteMcpOptions = {}) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const limits = {
    maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
    perToken: options.maxSessionsPerToken ?? DEFAULTS.maxSessionsPerToken,
    idleMs: options.idleMs ?? DEFAULTS.idleMs,
  };
  const feed = sharedFeed(exarp, options.watchDir, log);
  const sessions = new Map<string, Session>();
  const ending = new Set<Promise<void>>();
  let closed = false;
  let revocations: { close(): void } | undefined;

  const end = (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    if (sessions.size === 0) {
      revocations?.close();
      revocations = undefined;
    }
    const done = session.server
      .close()
      .catch((error: unknown) => log(`exarp serve: mcp: close failed: ${String(error)}`));
    ending.add(done);
    void done.then(() => ending.delete(done));
  };

  // A revoked token's sessions end at once, whichever process revoked it.
  const watchRevocations = () => {
    revocations ??= feed.watch((events) => {
      for (const e of events) {
        if (e.type !== "token.revoked") continue;
        for (const [id, s] of sessions) if (s.tokenId === e.payload.tokenId) end(id);
      }
    });
  };

  const idle = (s: Session, at: number) => s.open === 0 && at - s.lastUsed >= limits.idleMs;
  const sweep = () => {
    const at = now();
    for (const [id, s] of sessions) if (idle(s, at)) end(id);
  };
  const timer = setInterval(sweep, Math.min(limits.idleMs, 60_000));
  timer.unref?.();

  /** The least recently used of `candidates`, if any. */
  const oldest = (candidates: [string, Session][]) =>
    candidates.reduce<[string, Session] | undefined>(
      (a, b) => (!a || b[1].lastUsed < a[1].lastUsed ? b : a),
      undefined,
    );

  const ownedBy = (tokenId: string) => [...sessions].filter(([, s]) => s.tokenId === tokenId);
  const idleOnes = () => [...sessions].filter(([, s]) => s.open === 0);

  /** Whether one more session for `tokenId` fits, once its own oldest or an idle one makes room. */
  const hasRoom = (tokenId: string): boolean =>
    ownedBy(tokenId).length >= limits.perToken || sessions.size < limits.maxSessions || idleOnes().length > 0;

  /** Closes sessions to fit one more for `tokenId`; false when every session is in use. */
  const makeRoom = (tokenId: string): boolean => {
    const own = ownedBy(tokenId);
    if (own.length >= limits.perToken) end((oldest(own) as [string, Session])[0]);
    if (sessions.size < limits.maxSessions) return true;
    const spare = oldest(idleOnes());
    if (!spare) return false;
    end(spare[0]);
    return true;
  };

  const serve = (session: Session, request: Request): Promise<Response> => {
    session.open++;
    session.lastUsed = now();
    const settle = () => {
      session.open--;
      session.lastUsed = now();
    };
    return session.transport.handleRequest(request).then(
      (response) => whenDone(response, settle),
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  };

  /**
   * A POST without a session: an `initialize` opens one (only then are other sessions closed to make
   * room for it); anything else the transport refuses.
   */
  const open = async (request: Request, principal: Principal): Promise<Response> => {
    if (!hasRoom(principal.token.id))
      return rpcError(503, SERVER_ERROR, "every MCP session is in use; retry in a moment", { "Retry-After": "5" });
    // Loaded by the first MCP request: `exarp serve` starts without the SDK's transport.
    const { WebStandardStreamableHTTPServerTransport } = await import(
      "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        // close() ran while the request was being read, or every session came into use meanwhile:
        // the transport answers 404 once this settles.
        if (closed || !makeRoom(session.tokenId)) return server.close();
        sessions.set(id, session);
        watchRevocations();
        void server.closed.then(() => end(id));
      },
      maxRequestBodySize: MAX_BODY_BYTES,
    });
    const server = createMcpServer(exarp, {
      log,
      busyRetryMs: options.busyRetryMs,
      logger: options.logger,
      token: { actor: principal.actor, scope: principal.token.scope },
      watch: feed.watch,
      // Its answer would have ended the POST's event stream: without one, the stream ends here.
      onCancelled: (requestId) => transport.closeSSEStream(requestId),
    });
    const session: Session = { tokenId: principal.token.id, server, transport, open: 0, lastUsed: now() };
    await server.connect(transport);
    const response = await serve(session, request);
    // Not an initialize: the transport refused it, and there is no session to keep.
    if (transport.sessionId === undefined) await server.close();
    return response;
  };

  return {
    /** Answers one request to `/mcp` for `principal` (the app authenticated its bearer token). */
    async handle(request: Request, principal: Principal): Promise<Response> {
      if (!METHODS.includes(request.method))
        return rpcError(405, SERVER_ERROR, "Method not allowed.", { Allow: METHODS.join(", ") });
      if (closed) return rpcError(503, SERVER_ERROR, "the server is shutting down", { "Retry-After": "5" });
      sweep();
      const id = request.headers.get("mcp-session-id");
      if (id === null) {
        if (request.method === "POST") return open(request, principal);
        return rpcError(400, SERVER_ERROR, "Bad Request: Mcp-Session-Id header is required");
      }
      const session = sessions.get(id);
      if (!session || session.tokenId !== principal.token.id)
        return rpcError(404, SESSION_NOT_FOUND, "Session not found");
      return serve(session, request);
    },

    /** Sessions open now, and how many of them have a request or stream open. */
    stats() {
      return { sessions: sessions.size, active: [...sessions.values()].filter((s) => s.open > 0).length };
    },

    /** Ends every session (their streams close, waiting calls are abandoned) and waits for their calls. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      for (const id of [...sessions.keys()]) end(id);
      await Promise.all([...ending]);
    },
  };
}

export type RemoteMcp = ReturnType<typeof createRemoteMcp>;
