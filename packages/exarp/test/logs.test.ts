// Structured logs end to end: real CLI commands, a real `exarp serve` answering requests that carry
// tokens (bearer, a session cookie, a traceparent, remote MCP), `exarp mcp` over stdio, a team
// project whose PostgreSQL URL in the environment holds a password, and processes appending to one
// file at once — all with EXARP_LOG pointing into one folder. Every line there must parse as the
// OpenTelemetry record, and no secret this file created may appear in any of them.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { VERSION } from "../src/version.ts";
import { CLI, listening, runNode } from "./support/cli.ts";
import { freshPgUrl } from "./support/exarp.ts";
import { childEnv, hermeticEnv, run } from "./support/hermetic.ts";
import { tools } from "./support/mcp.ts";
import { rawRequest } from "./support/serve.ts";

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const SEVERITY = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 } as const;
const nanos = z.string().regex(/^[1-9]\d{18}$/);

/** One line of an exarp log: the OpenTelemetry log data model, flat (README: Logs). */
const LogLine = z
  .strictObject({
    timeUnixNano: nanos,
    observedTimeUnixNano: nanos,
    severityNumber: z.union(Object.values(SEVERITY).map((n) => z.literal(n))),
    severityText: z.enum(Object.keys(SEVERITY) as [keyof typeof SEVERITY]),
    body: z.string(),
    attributes: z.record(z.string(), z.json()),
    traceId: hex(32).optional(),
    spanId: hex(16).optional(),
    scope: z.strictObject({ name: z.enum(["exarp.cli", "exarp.http", "exarp.mcp", "exarp.plugin"]) }),
    resource: z.strictObject({
      "service.name": z.literal("exarp"),
      "service.version": z.literal(VERSION),
      "process.pid": z.number().int().positive(),
    }),
  })
  .refine((r) => SEVERITY[r.severityText] === r.severityNumber, "severityNumber matches severityText")
  .refine((r) => (r.traceId === undefined) === (r.spanId === undefined), "traceId and spanId come together");
type LogLine = z.infer<typeof LogLine>;

/** Every log of this file, one per process kind. */
const logs = mkdtempSync(join(tmpdir(), "exarp-logs-"));
/** Every secret this file made or sent: none may reach a log. */
const secrets: string[] = [];
const folders: string[] = [];
afterAll(() => {
  for (const dir of [logs, ...folders]) rmSync(dir, { recursive: true, force: true });
});

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "exarp-logged-"));
  folders.push(dir);
  return dir;
};
const logEnv = (name: string, extra: NodeJS.ProcessEnv = {}) => hermeticEnv({ EXARP_LOG: join(logs, name), ...extra });
const records = (name: string): LogLine[] =>
  readFileSync(join(logs, name), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => LogLine.parse(JSON.parse(line)));
/** A secret as exarp makes them, never issued: what a client may send by mistake. */
const fakeSecret = () => `exarp_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;

const project = folder();

describe("structured logs", () => {
  it("the CLI writes one record per command: its name, exit code and duration; failures at ERROR", () => {
    const env = logEnv("cli.log");
    expect(run(project, ["init"], { env }).code).toBe(0);
    for (const scope of ["owner", "collaborator", "viewer"]) {
      const made = run(project, ["token", "create", "--scope", scope, "-q"], { env });
      expect(made.code, made.stderr).toBe(0);
      secrets.push(made.stdout.trim());
    }
    expect(secrets).toHaveLength(3);
    for (const s of secrets) expect(s).toMatch(/^exarp_[A-Za-z0-9_-]{43}$/);
    // A secret where it does not belong: an argument, and a title.
    const misplaced = fakeSecret();
    secrets.push(misplaced);
    expect(run(project, [misplaced], { env }).code).toBe(2);
    expect(run(project, ["add", `pasted ${misplaced} here`], { env }).code).toBe(0);
    expect(run(project, ["show", misplaced], { env }).code).toBe(1);
    expect(run(project, ["list", "--json"], { env: logEnv("cli.log", { EXARP_LOG_LEVEL: "trace" }) }).code).toBe(0);

    const lines = records("cli.log");
    expect(
      lines.map((r) => [r.attributes["exarp.command"], r.attributes["process.exit.code"], r.severityText]),
    ).toEqual([
      ["init", 0, "INFO"],
      ["token", 0, "INFO"],
      ["token", 0, "INFO"],
      ["token", 0, "INFO"],
      ["(unknown)", 2, "ERROR"],
      ["add", 0, "INFO"],
      ["show", 1, "ERROR"],
      ["list", 0, "INFO"],
    ]);
    for (const r of lines) {
      expect(r.scope.name).toBe("exarp.cli");
      expect(r.attributes["exarp.duration_ms"]).toBeGreaterThan(0);
      expect(r.traceId).toBeUndefined();
    }
    expect(lines[6]).toMatchObject({
      attributes: { "exception.type": "NotFound" },
      body: "exarp show: task exarp_[REDACTED] not found",
    });
  });

  it("the CLI warns once about a file it cannot open, its own standard output or a level it does not know, and works on", () => {
    const bad = run(project, ["list"], {
      env: hermeticEnv({ EXARP_LOG: join(logs, "missing", "x.log"), EXARP_LOG_LEVEL: "loud" }),
    });
    expect(bad.code).toBe(0);
    expect(bad.stderr.split("\n").filter(Boolean)).toEqual([
      'exarp: warning: EXARP_LOG_LEVEL="loud" is not a level (trace, debug, info, warn, error); logging at info',
      `exarp: warning: cannot open the log file ${join(logs, "missing", "x.log")} (ENOENT); logging is off`,
    ]);
    expect(bad.stdout).toContain("pasted");
    // Standard output carries the answer (and MCP's protocol): never the log, also when both name one file.
    const answer = join(folder(), "answer.json");
    const out = openSync(answer, "w");
    const mixed = spawnSync(process.execPath, [CLI, "list", "--json"], {
      cwd: project,
      env: childEnv({ EXARP_LOG: answer }),
      stdio: ["ignore", out, "pipe"],
      encoding: "utf8",
    });
    closeSync(out);
    expect(JSON.parse(readFileSync(answer, "utf8")).tasks).toHaveLength(1);
    expect(mixed.stderr).toBe(
      `exarp: warning: the log file ${answer} is this command's standard output, which belongs to its answers; logging is off\n`,
    );
  });

  it("exarp serve writes one record per request in its span: method, route pattern, status — never a header", async () => {
    const [owner, collaborator, viewer] = secrets as [string, string, string];
    const expected: [string, string | undefined, number][] = [];
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const served = runNode(CLI, ["serve", "--port", "0"], logEnv("serve.log"), project);
    try {
      const base = await listening(served);
      const port = Number(new URL(base).port);
      const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path.slice(1)}`, { headers });
      const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

      /** What each request got: [method, route pattern, status], as the log must say. */
      const sent: [string, string | undefined, number][] = [];
      const send = async (route: string | undefined, response: Promise<{ status: number }>, method = "GET") => {
        const { status } = await response;
        sent.push([method, route, status]);
        return status;
      };
      expect(await send("/api/tasks", get("/api/tasks?status=todo", bearer(viewer)))).toBe(200);
      const created = await fetch(`${base}api/tasks`, {
        method: "POST",
        headers: { ...bearer(collaborator), "content-type": "application/json", traceparent },
        body: JSON.stringify({ title: "logged" }),
      });
      expect(await send("/api/tasks", Promise.resolve(created), "POST")).toBe(201);
      const id = ((await created.json()) as { task: { id: string } }).task.id;
      // A token in the query, a secret in the path: the record has the route pattern only.
      await send("/api/tasks/:id", get(`/api/tasks/${id}?token=${owner}`, bearer(owner)));
      const stranger = fakeSecret();
      secrets.push(stranger);
      expect(await send("/api/tasks/:id", get(`/api/tasks/${stranger}`, bearer(stranger)))).toBe(401);
      expect(await send("/api/tasks", get("/api/tasks", { cookie: `exarp_session_${port}=${stranger}` }))).toBe(401);
      // The dashboard's login: the token in the body, a session id in the cookie it answers with.
      const login = await fetch(`${base}api/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: owner }),
      });
      expect(await send("/api/session", Promise.resolve(login), "POST")).toBe(200);
      const session = /=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] as string;
      const { csrf } = (await login.json()) as { csrf: string };
      secrets.push(session, csrf);
      expect(await send("/api/session", get("/api/session", { cookie: `exarp_session_${port}=${session}` }))).toBe(200);
      // Addressed to another host: refused before any route.
      const evil = rawRequest(port, { path: "/api/tasks", headers: { host: "evil.example", ...bearer(owner) } });
      expect(await send(undefined, evil)).toBe(403);
      expected.push(...sent);

      // Remote MCP: every POST carries the traceparent, so the tool call's record is in that trace.
      const client = new Client({ name: "logs-test", version: "0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}mcp`), {
          requestInit: { headers: { ...bearer(collaborator), traceparent } },
        }),
      );
      const mcp = tools(client);
      await mcp.ok("tasks", { action: "list" });
      await client.close();
    } finally {
      served.child.kill("SIGTERM");
      await served.done;
    }

    const lines = records("serve.log");
    const http = lines.filter((r) => r.scope.name === "exarp.http" && "http.request.method" in r.attributes);
    const summary = http.map((r) => [
      r.attributes["http.request.method"],
      r.attributes["http.route"],
      r.attributes["http.response.status_code"],
    ]);
    expect(summary.slice(0, 8)).toEqual(expected);
    expect(
      summary
        .slice(8)
        .every(([method, route]) => route === "/mcp" && ["POST", "GET", "DELETE"].includes(method as string)),
    ).toBe(true);
    for (const r of http) {
      expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(Object.keys(r.attributes).sort()).toEqual(
        expect.arrayContaining(["exarp.duration_ms", "http.request.method", "http.response.status_code"]),
      );
      expect(Object.keys(r.attributes).every((k) => /^(http\.|exarp\.)/.test(k))).toBe(true);
    }
    expect(http[0]?.severityText).toBe("INFO");
    expect(http[3]?.severityText).toBe("WARN");
    // The caller's trace goes on, in a span of the server's own; other requests start their own traces.
    expect(http[1]).toMatchObject({ traceId, attributes: { "exarp.parent_span_id": "00f067aa0ba902b7" } });
    expect(http[1]?.spanId).not.toBe("00f067aa0ba902b7");
    expect(new Set(http.slice(0, 8).map((r) => r.traceId)).size).toBe(8);
    // The remote tool call: recorded by the MCP server, inside the span of the POST that carried it.
    const call = lines.find((r) => r.scope.name === "exarp.mcp");
    expect(call).toMatchObject({
      traceId,
      body: "tool tasks: ok",
      attributes: { "mcp.method.name": "tools/call", "gen_ai.tool.name": "tasks", "exarp.outcome": "ok" },
    });
    const post = http.find((r) => r.spanId === call?.spanId);
    expect(post?.attributes["http.route"]).toBe("/mcp");
    expect(readFileSync(join(logs, "serve.log"), "utf8")).not.toContain("evil.example");
    // The serve command's own record, once it stopped.
    expect(lines.at(-1)).toMatchObject({ scope: { name: "exarp.cli" }, attributes: { "exarp.command": "serve" } });
  });

  it("exarp mcp over stdio writes one record per tool call: the tool, its outcome, its duration", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp"],
      cwd: project,
      env: childEnv({ EXARP_LOG: join(logs, "mcp.log"), EXARP_AGENT: "agent:logger" }),
      stderr: "pipe",
    });
    const client = new Client({ name: "logs-test", version: "0" });
    await client.connect(transport);
    const mcp = tools(client);
    await mcp.ok("tasks", { action: "list" });
    expect(await mcp.refused("task_write", { action: "create", title: "" })).toMatch(/title/);
    const misplaced = fakeSecret();
    secrets.push(misplaced);
    await mcp.call("task_write", { action: "create", title: `from ${misplaced}` });
    expect((await mcp.protocolError(`nope ${misplaced}`)).message).toMatch(/unknown tool/);
    await client.close();

    const calls = records("mcp.log").filter((r) => r.scope.name === "exarp.mcp");
    expect(calls.map((r) => [r.attributes["gen_ai.tool.name"], r.attributes["exarp.outcome"], r.severityText])).toEqual(
      [
        ["tasks", "ok", "INFO"],
        ["task_write", "error", "WARN"],
        ["task_write", "ok", "INFO"],
        ["nope exarp_[REDACTED]", "unknown tool", "WARN"],
      ],
    );
    for (const r of calls) {
      expect(r.traceId).toBeUndefined();
      expect(r.attributes["exarp.duration_ms"]).toBeGreaterThanOrEqual(0);
    }
  });

  it("a team project's password, in the URL of EXARP_DATABASE_URL, never reaches the log", () => {
    const root = folder();
    const url = new URL(freshPgUrl());
    const env = logEnv("team.log");
    expect(run(root, ["init", "--database", url.href], { env }).code).toBe(0);
    const password = `pw-${fakeSecret().slice(6, 30)}`;
    secrets.push(password);
    url.password = password;
    const withPassword = logEnv("team.log", { EXARP_DATABASE_URL: url.href });
    expect(run(root, ["add", "team task"], { env: withPassword }).code).toBe(0);
    expect(run(root, ["list"], { env: withPassword }).code).toBe(0);
    const unreachable = new URL(url.href);
    unreachable.port = "1";
    const refused = run(root, ["list"], { env: logEnv("team.log", { EXARP_DATABASE_URL: unreachable.href }) });
    expect(refused.code).toBe(5);
    expect(records("team.log").map((r) => [r.attributes["exarp.command"], r.attributes["process.exit.code"]])).toEqual([
      ["init", 0],
      ["add", 0],
      ["list", 0],
      ["list", 5],
    ]);
  });

  it("processes appending to one file at once never interleave their lines", async () => {
    const library = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const { openLogger } = await import(${JSON.stringify(library)});
      const logger = openLogger(process.env, { scope: "exarp.cli", cwd: process.cwd(), warn: (m) => { throw new Error(m); } });
      for (let i = 0; i < 300; i++) logger.emit("info", process.pid + ":" + i + ":" + "x".repeat(3000), { i });
      logger.close();`;
    const env = childEnv({ EXARP_LOG: join(logs, "shared.log") });
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ["--input-type=module", "-e", script], { env, stdio: "inherit" }),
    );
    const codes = await Promise.all(children.map((c) => new Promise((resolve) => c.on("exit", resolve))));
    expect(codes).toEqual([0, 0, 0, 0]);
    const lines = records("shared.log");
    expect(lines).toHaveLength(1200);
    for (const pid of new Set(lines.map((r) => r.resource["process.pid"]))) {
      const own = lines.filter((r) => r.resource["process.pid"] === pid).map((r) => r.attributes.i);
      expect(own).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }
  });

  it("every line of every log is an OpenTelemetry record, and no secret this file made appears in any", () => {
    const files = readdirSync(logs).filter((name) => name.endsWith(".log"));
    expect(files.sort()).toEqual(["cli.log", "mcp.log", "serve.log", "shared.log", "team.log"]);
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    for (const name of files) {
      const text = readFileSync(join(logs, name), "utf8");
      expect(text.endsWith("\n"), name).toBe(true);
      expect(records(name).length, name).toBeGreaterThan(0);
      for (const secret of secrets) expect(text.includes(secret), `${name} holds a secret`).toBe(false);
      expect(text, name).not.toMatch(/exarp_[A-Za-z0-9_-]{43}/);
      expect(text.toLowerCase(), name).not.toContain("bearer exarp_");
    }
  });
});
