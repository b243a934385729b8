// The packages as a user gets them: both packed from this checkout (built on pack), installed with
// npm into a fresh project outside the repository, wired by `exarp init`, then used by the real
// OpenCode against the recording mock model and by a real MCP client through the command init wrote.
// Run by `npm run test:install` (CI step): npm install needs the npm registry for the dependencies.
import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTitle, lastMessage, type MockModel, startMockModel, systemText, textOf } from "./support/mock-model.ts";
import { isolatedEnv, mockConfig, OPENCODE_BIN, type Served, serveOpenCode } from "./support/opencode.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "exarp-tarballs-"));
const project = join(scratch, "project");
const env = isolatedEnv(scratch);
// better-sqlite3 compiles against this Node's own headers when it has them (no download of headers).
const nodedir = dirname(dirname(process.execPath));
if (existsSync(join(nodedir, "include", "node", "node.h"))) env.npm_config_nodedir = nodedir;
let mock: MockModel;
let oc: Served | undefined;

const sh = (command: string, args: string[], cwd = project) => {
  const r = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
/** The long steps (pack, install) without blocking the test worker, which must keep answering vitest. */
const shAsync = (command: string, args: string[], cwd: string) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      command,
      args,
      { cwd, env: { ...env, PATH: process.env.PATH }, encoding: "utf8", timeout: 540_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`))
          : resolve(stdout),
    ),
  );
const exarp = (...args: string[]) => sh(join(project, "node_modules", ".bin", "exarp"), args);

beforeAll(async () => {
  mock = await startMockModel();
  // The packages, packed the way `npm publish` would pack them (prepare builds them).
  const packs = join(scratch, "packs");
  mkdirSync(packs);
  const packed = JSON.parse(
    await shAsync(
      "npm",
      ["pack", "--json", "--pack-destination", packs, "-w", "packages/exarp", "-w", "packages/opencode-exarp"],
      repo,
    ),
  ) as { filename: string }[];
  // A fresh project far from the checkout, with the user's own OpenCode settings (the mock model).
  mkdirSync(join(project, ".git"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "fresh", private: true }));
  writeFileSync(join(project, "opencode.json"), `${JSON.stringify(mockConfig(mock.port), null, 2)}\n`);
  await shAsync(
    "npm",
    [
      "install",
      "--save-dev",
      "--no-audit",
      "--no-fund",
      "--cache",
      join(scratch, "npm-cache"),
      ...packed.map((p) => join(packs, p.filename)),
    ],
    project,
  );
  // The OpenCode on this machine, on PATH, for `init` to check the plugin with.
  symlinkSync(OPENCODE_BIN, join(scratch, "bin", "opencode"));
}, 600_000);

afterAll(async () => {
  await oc?.stop();
  await mock?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the packed packages in a fresh project", () => {
  it("installs a working exarp bin and no native module for the plugin", () => {
    expect(exarp("--version").trim()).toBe(
      JSON.parse(readFileSync(join(repo, "packages/exarp/package.json"), "utf8")).version,
    );
    const plugin = JSON.parse(readFileSync(join(project, "node_modules/opencode-exarp/package.json"), "utf8"));
    // Its one dependency is node-postgres for team mode: plain JavaScript, never the native pg-native.
    expect(Object.keys(plugin.dependencies ?? {})).toEqual(["pg"]);
    expect(existsSync(join(project, "node_modules/pg/package.json"))).toBe(true);
    expect(existsSync(join(project, "node_modules/pg-native"))).toBe(false);
  });

  it("exarp init --yes --opencode wires the plugin by path and proves OpenCode loads it", () => {
    const out = exarp("init", "--yes", "--opencode", "--model", "mock/mock-model", "--small-model", "mock/mock-small");
    expect(out).toContain("OpenCode loaded the plugin");
    const config = JSON.parse(readFileSync(join(project, "opencode.json"), "utf8"));
    expect(config.plugin).toEqual(["./node_modules/opencode-exarp"]);
    expect(config.provider.mock).toBeDefined();
    expect(config.agent["exarp-build"].model).toBe("mock/mock-model");
  }, 120_000);

  it("in the real OpenCode the model gets the task context and the exarp tools, and a tool call changes the database", async () => {
    const id = exarp("add", "Ship the tarballs", "-p", "high", "-q").trim();
    mock.script(
      {
        name: "take the next task",
        when: (r) => textOf(lastMessage(r)).includes("work the next task"),
        reply: { toolCalls: [{ name: "exarp_next", args: { claim: true } }] },
      },
      { name: "finish", when: (r) => lastMessage(r)?.role === "tool", reply: { text: "claimed it" } },
    );
    oc = await serveOpenCode(project, env);
    const session = (await oc.client.session.create({ body: { title: "tarballs" } })).data as { id: string };
    const r = await oc.client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: "text", text: "work the next task" }], agent: "exarp-build" },
    });
    expect(r.response.status).toBe(200);
    const first = mock.requests.find((q) => q.session === session.id && !isTitle(q));
    expect(first, "the model was asked").toBeDefined();
    const names = (first?.tools ?? []).map((t) => t.function.name);
    expect(names).toEqual(expect.arrayContaining(["exarp_board", "exarp_next", "exarp_move", "exarp_context"]));
    const system = systemText(first as NonNullable<typeof first>);
    expect(system).toContain("exarp tasks:");
    expect(system).toContain("Ship the tarballs");
    expect(system).toContain("You work this repository's exarp tasks");
    const shown = JSON.parse(exarp("show", id, "--json"));
    expect(shown.task.status).toBe("in_progress");
    const leases = JSON.parse(exarp("leases", "--json")).leases;
    expect(leases).toMatchObject([{ taskId: id, agent: "agent:exarp-build", live: true }]);
  }, 120_000);

  it("the same project answers a real MCP client through the command init wrote for Claude Code", async () => {
    exarp("init", "--yes", "--claude-code");
    const entry = JSON.parse(readFileSync(join(project, ".mcp.json"), "utf8")).mcpServers.exarp;
    expect(entry.args[0]).toBe(join(project, "node_modules", "exarp", "dist", "bin", "exarp.js"));
    const mcp = new Client({ name: "tarball-test", version: "1" });
    await mcp.connect(
      new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        cwd: scratch,
        env: env as Record<string, string>,
        stderr: "pipe",
      }),
    );
    try {
      const tools = (await mcp.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(["tasks", "task_write", "claim", "approval"]));
      const listed = await mcp.callTool({ name: "tasks", arguments: { action: "list" } });
      expect(JSON.stringify(listed.content)).toContain("Ship the tarballs");
    } finally {
      await mcp.close();
    }
  }, 60_000);

  it("exarp serve from the installed package shows the built dashboard and answers the API with a token", async () => {
    const secret = exarp("token", "create", "--scope", "viewer", "-q").trim();
    const server = spawn(join(project, "node_modules", ".bin", "exarp"), ["serve", "--port", "0"], {
      cwd: project,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no URL from exarp serve: ${out}`)), 20_000);
        server.stdout.on("data", (chunk) => {
          out += chunk;
          const found = /^exarp serve: (http:\S+)$/m.exec(out);
          if (found) {
            clearTimeout(timer);
            resolve(found[1] as string);
          }
        });
      });
      const page = await (await fetch(url, { headers: { accept: "text/html" } })).text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
      expect(script, page).toBeDefined();
      expect((await fetch(new URL(script as string, url))).status).toBe(200);
      const tasks = await fetch(new URL("api/tasks", url), { headers: { authorization: `Bearer ${secret}` } });
      expect(JSON.stringify(await tasks.json())).toContain("Ship the tarballs");
      expect((await fetch(new URL("api/tasks", url))).status).toBe(401);
    } finally {
      server.kill("SIGTERM");
    }
  }, 60_000);
});
