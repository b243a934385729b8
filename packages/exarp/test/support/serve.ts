// What the `exarp serve` suites share: a real project in a temp folder, the real server on
// 127.0.0.1 (port 0), tokens of every scope, and requests as a client sends them — by fetch, or
// byte by byte over a socket when the test needs what fetch will not send (a Host header, a lying
// Content-Length).
import { mkdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { Exarp } from "../../src/app/exarp.ts";
import { initProject } from "../../src/app/project.ts";
import { projectPaths } from "../../src/project/root.ts";
import { type RunningServer, type ServeOptions, startServer } from "../../src/serve/server.ts";
import { tempDir } from "./temp.ts";

/** The person who runs the test project (owner tokens act as them). */
export const PERSON = "user:alice";

export type Credentials = {
  owner: string;
  /** A second owner token of the same person. */
  owner2: string;
  collaborator: string;
  viewer: string;
  revoked: string;
};

export type TestServer = {
  exarp: Exarp;
  root: string;
  server: RunningServer;
  base: string;
  port: number;
  tokens: Credentials;
  /** Lines the server logged. */
  logged: string[];
  /** fetch against the server: `path` is absolute (`/api/tasks`). */
  call(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
};

const running: TestServer[] = [];

afterEach(async () => {
  for (const t of running.splice(0)) {
    await t.server.close();
    t.exarp.close();
  }
});

/** A dashboard folder with a page, a script and a style. */
export function dashboardFixture(): string {
  const dir = tempDir("exarp-web-");
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script src="/assets/app.js"></script>');
  writeFileSync(join(dir, "assets", "app.js"), "console.log('exarp');\n");
  writeFileSync(join(dir, "assets", "app.css"), "body{}\n");
  return dir;
}

/** A project, its server on 127.0.0.1, and a token of each kind (and a revoked one). */
export async function serveProject(options: ServeOptions = {}): Promise<TestServer> {
  const root = tempDir();
  const exarp = initProject(root, { actor: { name: PERSON, session: null }, busyTimeoutMs: 25 });
  const secret = (scope: "owner" | "collaborator" | "viewer", name?: string) =>
    exarp.tokens.create({ scope, ...(name ? { name } : {}) }).secret;
  const revokedToken = exarp.tokens.create({ scope: "owner", name: "old" });
  exarp.tokens.revoke({ id: revokedToken.token.id });
  const tokens: Credentials = {
    owner: secret("owner"),
    owner2: secret("owner", "laptop"),
    collaborator: secret("collaborator", "bot"),
    viewer: secret("viewer"),
    revoked: revokedToken.secret,
  };
  const logged: string[] = [];
  const server = await startServer(exarp, {
    port: 0,
    watchDir: projectPaths(root).dir,
    dashboardDir: dashboardFixture(),
    busyRetryMs: 300,
    log: (line) => logged.push(line),
    ...options,
  });
  const base = `http://127.0.0.1:${server.port}`;
  const call = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return fetch(`${base}${path}`, { ...rest, headers, redirect: "manual" });
  };
  const t = { exarp, root, server, base, port: server.port, tokens, logged, call };
  running.push(t);
  return t;
}

/** A JSON body for fetch. */
export function json(method: string, body: unknown, token?: string): RequestInit & { token?: string } {
  return { method, body: JSON.stringify(body), headers: { "content-type": "application/json" }, token };
}

export type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * A request through node:http, which sends the headers given (Host included) as they are, on a
 * connection of its own, with the body's length (Node sends a DELETE's body without one).
 */
export function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const length = options.body === undefined ? {} : { "content-length": String(Buffer.byteLength(options.body)) };
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        agent: false,
        method: options.method ?? "GET",
        path: options.path,
        headers: { ...length, ...options.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Sends `bytes` over a fresh socket and resolves with everything the server answers until it closes. */
export function rawBytes(port: number, bytes: string | Buffer, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (d) => {
      answer += d;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") return;
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(bytes);
  });
}

/** The status and parsed JSON of a response; the body must be the house error shape when it failed. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
export async function answer(response: Response): Promise<{ status: number; body: any }> {
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  return { status: response.status, body };
}
