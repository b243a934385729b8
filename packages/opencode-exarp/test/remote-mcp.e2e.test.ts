// OpenCode wired to `exarp serve` as the README says: a remote MCP entry whose Authorization header is
// `Bearer {env:EXARP_TOKEN}`, the secret only in OpenCode's environment. The real OpenCode (offline,
// without the exarp plugin, as on a machine that reaches the board only over HTTP) against a real
// `exarp serve` child: the model gets exarp's tools, a write acts as the token's identity whatever the
// call says, and a wrong token gets no tools and writes nothing.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_TOOLS } from "../../exarp/src/mcp/server.ts";
import {
  type ChatRequest,
  isTitle,
  lastMessage,
  type MockModel,
  startMockModel,
  textOf,
} from "./support/mock-model.ts";
import { EXARP_CLI, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

/** The tools of a collaborator token, as OpenCode names an MCP server's tools: `<server>_<tool>`. */
const REMOTE_TOOLS = TOKEN_TOOLS.collaborator.map((tool) => `exarp_${tool.name}`);
/** A well-formed secret that no token has. */
const WRONG_SECRET = `exarp_${"A".repeat(43)}`;
const URL_LINE = /^exarp serve: (http:\/\/127\.0\.0\.1:\d+\/)$/m;

/** The README's OpenCode entry, pointed at this server. */
const remoteEntry = (serveUrl: string) => ({
  type: "remote",
  url: `${serveUrl}mcp`,
  oauth: false,
  headers: { Authorization: "Bearer {env:EXARP_TOKEN}" },
});

type HistoryEvent = { seq: number; type: string; actor: string; payload: Record<string, unknown> };

let mock: MockModel;
let setup: ReturnType<typeof prepareProject>;
let board: string;
let serve: ChildProcess | undefined;
let secret: string;
const openCodes: Served[] = [];

/** The exarp CLI on the board project; its stdout. */
function exarp(args: string[]): string {
  const r = spawnSync(process.execPath, [EXARP_CLI, "-C", board, ...args], {
    env: setup.env,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`exarp ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const history = () => (JSON.parse(exarp(["history", "--json"])) as { events: HistoryEvent[] }).events;

/** `exarp serve --port 0` on the board project; its URL once it prints it. */
function startServe(): Promise<string> {
  const child = spawn(process.execPath, [EXARP_CLI, "serve", "--port", "0", "-C", board], {
    env: setup.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  serve = child;
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exarp serve did not start:\n${output}`)), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      const match = URL_LINE.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exarp serve exited (${code}):\n${output}`));
    });
  });
}

async function stopServe(): Promise<void> {
  const child = serve;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.on("exit", resolve);
    child.kill("SIGTERM");
    setTimeout(() => {
      child.kill("SIGKILL");
      resolve(undefined);
    }, 5_000).unref();
  });
}

/** `opencode serve` in the project, the token only in its environment. */
async function openCodeWith(token: string): Promise<Served> {
  const oc = await serveOpenCode(setup.project, { ...setup.env, EXARP_TOKEN: token });
  openCodes.push(oc);
  return oc;
}

/** Prompts a new session; the model's requests for it (title requests left out). */
async function promptSession(oc: Served, text: string): Promise<ChatRequest[]> {
  const session = await oc.client.session.create({ body: { title: text } });
  const id = (session.data as { id: string }).id;
  const r = await oc.client.session.prompt({ path: { id }, body: { parts: [{ type: "text", text }] } });
  expect(r.response.status).toBe(200);
  return mock.requests.filter((request) => request.session === id && !isTitle(request));
}

const toolNames = (request: ChatRequest | undefined) => (request?.tools ?? []).map((t) => t.function.name);
const toolResults = (requests: ChatRequest[]) => requests.map((r) => lastMessage(r)).filter((m) => m?.role === "tool");

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock, { plugin: false });
  board = join(setup.scratch, "board");
  initProject(board, { actor: { name: "user:ana", session: null } }).close();
  secret = exarp(["token", "create", "--scope", "collaborator", "--name", "opencode", "-q"]).trim();
  const serveUrl = await startServe();
  const configFile = join(setup.project, "opencode.json");
  const config = JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ ...config, mcp: { exarp: remoteEntry(serveUrl) } }, null, 2));
}, 60_000);

afterAll(async () => {
  for (const oc of openCodes) await oc.stop();
  await stopServe();
  await mock?.close();
  setup?.cleanup();
});

describe("OpenCode with the README's remote MCP entry and a collaborator token", () => {
  let oc: Served;
  beforeAll(async () => {
    oc = await openCodeWith(secret);
  }, 60_000);
  afterAll(async () => {
    await oc?.stop();
  });

  it("connects with the secret from the environment, and the model gets exarp's tools", async () => {
    expect(readFileSync(join(setup.project, "opencode.json"), "utf8")).not.toContain(secret);
    expect((await oc.client.mcp.status()).data).toEqual({ exarp: { status: "connected" } });

    const [first] = await promptSession(oc, "what is on the board");
    const exarpTools = toolNames(first).filter((name) => name.startsWith("exarp_"));
    expect(exarpTools.sort()).toEqual([...REMOTE_TOOLS].sort());
    const write = first?.tools.find((t) => t.function.name === "exarp_task_write") as {
      function: { name: string; parameters: { properties: Record<string, unknown> } };
    };
    expect(Object.keys(write.function.parameters.properties), "no `as` over a token").not.toContain("as");
  });

  it("creates a task as the token's identity, whoever the call claims to be", async () => {
    const title = "Filed over remote MCP";
    const before = history();
    mock.script(
      {
        name: "impersonate",
        when: (r) => !isTitle(r) && textOf(lastMessage(r)).includes("file it remotely"),
        reply: {
          toolCalls: [{ name: "exarp_task_write", args: { action: "create", title, as: { agent: "agent:impostor" } } }],
        },
      },
      {
        name: "retry without as",
        when: (r) => lastMessage(r)?.role === "tool" && textOf(lastMessage(r)).includes("drop as"),
        reply: { toolCalls: [{ name: "exarp_task_write", args: { action: "create", title } }] },
      },
    );
    const results = toolResults(await promptSession(oc, "file it remotely"));
    expect(results).toHaveLength(2);
    expect(textOf(results[0])).toContain("calls act as this token's identity, which as cannot change; drop as");

    const added = history().slice(before.length);
    expect(added.map((e) => [e.type, e.actor])).toEqual([["task.created", "agent:opencode"]]);
    const { task } = (added[0] as HistoryEvent).payload as { task: { id: string; title: string } };
    expect(task.title).toBe(title);
    expect(textOf(results[1])).toContain(task.id);
    expect(JSON.stringify(history())).not.toContain("impostor");
  });
});

describe("OpenCode with a wrong token in EXARP_TOKEN", () => {
  it("does not get exarp's tools, and nothing is written", async () => {
    const before = history();
    const oc = await openCodeWith(WRONG_SECRET);
    const status = (await oc.client.mcp.status()).data as Record<string, { status: string; error?: string }>;
    expect(status.exarp).toMatchObject({ status: "failed", error: expect.stringContaining("401") });

    mock.script({
      name: "write anyway",
      when: (r) => !isTitle(r) && textOf(lastMessage(r)).includes("write without a valid token"),
      reply: { toolCalls: [{ name: "exarp_task_write", args: { action: "create", title: "Must not exist" } }] },
    });
    const requests = await promptSession(oc, "write without a valid token");
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(toolNames(request).filter((name) => name.startsWith("exarp_"))).toEqual([]);
    expect(history()).toEqual(before);
  });
});
