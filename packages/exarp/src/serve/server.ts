// `exarp serve`'s server: one HTTP listener over one exarp, composed of the application, the event
// hub and remote MCP. It owns the listener and those two, not the exarp (its opener closes it).
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Exarp } from "../app/exarp.ts";
import { defineError } from "../errors.ts";
import { InvalidInput } from "../errors-catalog.ts";
import type { Logger } from "../log/logger.ts";
import { safeJson } from "../text/safe.ts";
import { createServeApp } from "./app.ts";
import { createDashboard, dashboardDir } from "./dashboard.ts";
import { errorResponse } from "./errors.ts";
import { createEventHub, type EventHub, type EventHubOptions } from "./events.ts";
import { secured } from "./headers.ts";
import { allowedHosts, serverUrl, urlHost } from "./hosts.ts";
import type { LoginLimitOptions } from "./login-limit.ts";
import { createRemoteMcp, type RemoteMcp, type RemoteMcpOptions } from "./mcp-http.ts";
import { type SessionOptions, sessionCookie } from "./sessions.ts";

/** The port `exarp serve` listens on unless told otherwise. */
export const DEFAULT_PORT = 4477;
export const DEFAULT_HOST = "127.0.0.1";

/** The listener could not be opened (the port is taken, the address is not this machine's…). */
export const CannotListen = defineError<{ host: string; port: number; code: string }>("CannotListen", (d) => {
  const where = `${urlHost(d.host)}:${d.port}`;
  if (d.code === "EADDRINUSE") return `cannot listen on ${where}: the port is in use`;
  if (d.code === "EACCES") return `cannot listen on ${where}: permission denied`;
  if (d.code === "EADDRNOTAVAIL" || d.code === "ENOTFOUND")
    return `cannot listen on ${where}: not an address of this machine`;
  return `cannot listen on ${where}: ${d.code}`;
});

export type ServeOptions = {
  host?: string;
  /** 0 picks any free port. */
  port?: number;
  /** The project's `.exarp/` folder: watched so other processes' writes reach streams at once. */
  watchDir?: string;
  /** The dashboard's built files (default: this package's dist/web/). */
  dashboardDir?: string;
  /** How long a write held up by another process is retried before 503 Busy (default 5 s). */
  busyRetryMs?: number;
  /** How long a request (headers and body) may take to arrive before 408 (default 30 s). */
  requestTimeoutMs?: number;
  events?: Omit<EventHubOptions, "watchDir">;
  mcp?: Omit<RemoteMcpOptions, "watchDir" | "log" | "busyRetryMs" | "logger">;
  sessions?: SessionOptions;
  loginLimit?: LoginLimitOptions;
  /** Where diagnostics go (default stderr); never secrets. */
  log?: (line: string) => void;
  /** Structured records (`EXARP_LOG`): one per request, one per MCP tool call; off by default. */
  logger?: Logger;
};

export type RunningServer = {
  /** `http://host:port/` */
  url: string;
  host: string;
  port: number;
  events: EventHub;
  mcp: RemoteMcp;
  /** Stops accepting, ends every stream and MCP session, and resolves once every connection is closed. */
  close(): Promise<void>;
};

/** What a request Node could not take is answered, by Node's error code: status line, error name, message. */
const CLIENT_ERRORS: Record<string, [string, string, string]> = {
  HPE_HEADER_OVERFLOW: ["431 Request Header Fields Too Large", "InvalidInput", "malformed HTTP request"],
  ERR_HTTP_REQUEST_TIMEOUT: ["408 Request Timeout", "RequestTimeout", "the request did not arrive in time"],
};
const MALFORMED: [string, string, string] = ["400 Bad Request", "InvalidInput", "malformed HTTP request"];

/** Answers a request Node could not parse or wait for with the house JSON, unless a response already began. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code !== "ECONNRESET" && socket.writable && socket.bytesWritten === 0) {
    const [status, name, message] = CLIENT_ERRORS[error.code ?? ""] ?? MALFORMED;
    const body = safeJson({ error: { name, message, data: {} } });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(new CannotListen({ host, port, code: error.code ?? "error" }));
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Opens the listener and serves `exarp` on it until `close()`. */
export async function startServer(exarp: Exarp, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const busyRetryMs = options.busyRetryMs ?? 5000;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Requests must arrive whole and soon (checked every tenth of the limit); a stream's response may last as long as it likes.
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = createServer({
    requestTimeout,
    headersTimeout: Math.min(10_000, requestTimeout),
    connectionsCheckingInterval: Math.max(100, requestTimeout / 10),
  });
  server.on("clientError", answerClientError);
  const port = await listen(server, host, options.port ?? DEFAULT_PORT);
  const events = createEventHub(exarp, { ...options.events, watchDir: options.watchDir });
  const mcp = createRemoteMcp(exarp, {
    ...options.mcp,
    watchDir: options.watchDir,
    log,
    busyRetryMs,
    logger: options.logger,
  });
  const app = createServeApp({
    exarp,
    hosts: allowedHosts(host, port),
    events,
    mcp,
    dashboard: createDashboard(options.dashboardDir ?? dashboardDir()),
    watchDir: options.watchDir,
    busyRetryMs,
    sessions: { ...options.sessions, cookie: sessionCookie(port) },
    loginLimit: options.loginLimit,
    log,
    logger: options.logger,
  });
  const malformed = (error: unknown) =>
    secured(
      errorResponse(new InvalidInput({ issues: [`malformed request: ${String((error as Error).message)}`] }), log),
      true,
    );
  server.on("request", getRequestListener(app.fetch, { errorHandler: malformed }));
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));

  return {
    url: serverUrl(host, port),
    host,
    port,
    events,
    mcp,
    async close() {
      server.close();
      events.close();
      await mcp.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
