// The real `opencode serve` (node_modules/opencode-linux-x64), offline and isolated, with a mock
// OpenAI-compatible model on 127.0.0.1 that answers every chat request at once: what the runner bench
// drives. The same set-up as packages/opencode-exarp/test/support/{opencode,mock-model}.ts (without the
// exarp plugin and without recording requests), in plain JavaScript for node.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
export const OPENCODE_BIN = join(repo, "node_modules", "opencode-linux-x64", "bin", "opencode");
const SEED_PACKAGE = { dependencies: { "@opencode-ai/plugin": "1.18.33" } };
const SEED_LOCK = { name: "seeded", lockfileVersion: 3, requires: true, packages: { "": SEED_PACKAGE } };

/** A chat-completions server streaming "ok" (a title for title requests) at once; counts requests. */
export async function startMockModel() {
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      const system = (body.messages ?? [])
        .filter((m) => m.role === "system")
        .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
        .join("\n");
      const text = system.startsWith("You are a title generator") ? "A title" : "ok";
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const send = (choices, extra = {}) =>
        res.write(
          `data: ${JSON.stringify({ id: `c-${requests}`, object: "chat.completion.chunk", created: 0, model: body.model, choices, ...extra })}\n\n`,
        );
      send([{ index: 0, delta: { role: "assistant", content: "" } }]);
      send([{ index: 0, delta: { content: text } }]);
      send([{ index: 0, delta: {}, finish_reason: "stop" }]);
      send([], { usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 } });
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function seed(dir, nodeModules) {
  mkdirSync(dir, { recursive: true });
  if (nodeModules) symlinkSync(nodeModules, join(dir, "node_modules"));
  else mkdirSync(join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), JSON.stringify(SEED_PACKAGE));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(SEED_LOCK));
}

/**
 * A project folder in `scratch` whose only model is the mock on `port`, and the environment OpenCode
 * runs in there: private HOME, XDG folders and TMPDIR, the switches that keep it off the network.
 */
export function prepareProject(scratch, port) {
  if (!existsSync(OPENCODE_BIN)) throw new Error(`${OPENCODE_BIN} is missing: run \`npm install\` at the root`);
  const project = join(scratch, "project");
  const home = join(scratch, "home");
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    TMPDIR: join(scratch, "tmp"),
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
    OPENCODE_DISABLE_EMBEDDED_WEB_UI: "1",
    OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER: "1",
    OPENCODE_DISABLE_FFF: "1",
  };
  for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "TMPDIR"])
    mkdirSync(env[key], { recursive: true });
  seed(join(env.XDG_CONFIG_HOME, "opencode"), undefined);
  seed(join(project, ".opencode"), join(repo, "node_modules"));
  const config = {
    $schema: "https://opencode.ai/config.json",
    model: "mock/mock-model",
    small_model: "mock/mock-small",
    autoupdate: false,
    share: "disabled",
    snapshot: false,
    lsp: false,
    formatter: false,
    enabled_providers: ["mock"],
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock",
        options: { baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "mock-key" },
        models: {
          "mock-model": { name: "Mock Model", tool_call: true, limit: { context: 20_000, output: 2_000 } },
          "mock-small": { name: "Mock Small", tool_call: false, limit: { context: 8_000, output: 500 } },
        },
      },
    },
  };
  writeFileSync(join(project, "opencode.json"), JSON.stringify(config, null, 2));
  return { project, env };
}

/** A port nothing listens on right now (not `--port 0`, which takes 4096 whenever it is free). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `opencode serve` in `project`: its URL, and stop(). */
export async function serveOpenCode(project, env) {
  const port = await freePort();
  const child = spawn(OPENCODE_BIN, ["serve", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: project,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`opencode serve did not start:\n${output}`)), 30_000);
    const onData = (d) => {
      output += d;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ""));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`opencode serve exited (${code}):\n${output}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => {
          child.kill("SIGKILL");
          resolve();
        }, 5_000).unref();
      }),
  };
}

/**
 * A client of OpenCode's HTTP API scoped to `directory`, as the runner uses it, with one event stream
 * read in the background: `idle(session)` resolves when that session goes idle.
 */
export async function openCodeClient(url, directory) {
  const q = `?directory=${encodeURIComponent(directory)}`;
  const call = async (method, path, body) => {
    const response = await fetch(`${url}${path}${q}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };
  const waiters = new Map();
  /** Per session (anyone's, in this directory): when this process first saw it go busy, then idle. */
  const seen = new Map();
  const abort = new AbortController();
  const response = await fetch(`${url}/event${q}`, { signal: abort.signal, headers: { accept: "text/event-stream" } });
  let opened = () => undefined;
  const connected = new Promise((resolve) => {
    opened = resolve;
  });
  const onEvent = (event) => {
    opened();
    const p = event.properties ?? {};
    const idle = event.type === "session.idle" || (event.type === "session.status" && p.status?.type === "idle");
    const busy = event.type === "session.status" && p.status?.type === "busy";
    if ((!idle && !busy) || !p.sessionID) return;
    const stamps = seen.get(p.sessionID) ?? {};
    if (busy) stamps.busy ??= performance.timeOrigin + performance.now();
    else if (stamps.busy !== undefined) stamps.idle ??= performance.timeOrigin + performance.now();
    seen.set(p.sessionID, stamps);
    if (!idle) return;
    const wake = waiters.get(p.sessionID);
    if (wake) {
      waiters.delete(p.sessionID);
      wake();
    }
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const data = buffer
            .slice(0, end)
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trimStart())
            .join("\n");
          buffer = buffer.slice(end + 2);
          if (data) onEvent(JSON.parse(data));
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    createSession: async (title) => (await call("POST", "/session", { title })).id,
    prompt: (id, text) => call("POST", `/session/${id}/prompt_async`, { parts: [{ type: "text", text }] }),
    messages: (id) => call("GET", `/session/${id}/message`),
    status: () => call("GET", "/session/status"),
    /** Resolves when `id` next goes idle (ask before prompting: events are not replayed). */
    idle: (id) =>
      new Promise((resolve) => {
        waiters.set(id, resolve);
      }),
    /** Resolves at the stream's first event (OpenCode's server.connected). */
    connected,
    /** When `id` was first seen going busy (its prompt taken), then idle, as wall milliseconds. */
    seen: (id) => seen.get(id) ?? {},
    close: () => abort.abort(),
  };
}
