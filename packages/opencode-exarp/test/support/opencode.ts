// Runs the real OpenCode (npm opencode-ai) offline and isolated: private HOME/XDG/TMPDIR, the network
// switches off, the dependency folders pre-seeded so it never runs `npm install`, and a project whose
// only model is the local mock. The exarp plugin is loaded from this repository's source.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk";
import type { MockModel } from "./mock-model.ts";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
export const OPENCODE_BIN = join(repo, "node_modules", "opencode-linux-x64", "bin", "opencode");
const PLUGIN_ENTRY = join(repo, "packages", "opencode-exarp", "src", "index.ts");
const SEED_PACKAGE = { dependencies: { "@opencode-ai/plugin": "1.18.33" } };
const SEED_LOCK = { name: "seeded", lockfileVersion: 3, requires: true, packages: { "": SEED_PACKAGE } };

/** The exarp CLI as built from this repository (`npm run build`). */
export const EXARP_CLI = join(repo, "packages", "exarp", "dist", "bin", "exarp.js");

export type Limits = { context: number; output: number };

export type ProjectOptions = {
  limits?: Limits;
  /** Also wire the exarp MCP server (`exarp mcp`, built from this repository) into the project's opencode.json. */
  mcp?: boolean;
  /** Load the exarp plugin (default true); false: OpenCode as on a machine that reaches exarp only over the network. */
  plugin?: boolean;
};

/**
 * A scratch home and a project folder wired to the mock model and the exarp plugin. The project has
 * no `.exarp/` yet: tests create it (`initProject`), or leave it out, or break it.
 */
export function prepareProject(mock: MockModel, options: ProjectOptions = {}) {
  const limits = options.limits ?? { context: 20_000, output: 2_000 };
  const scratch = mkdtempSync(join(tmpdir(), "exarp-oc-"));
  const project = join(scratch, "project");
  const env = isolatedEnv(scratch);
  seed(join(project, ".opencode"), join(repo, "node_modules"));
  if (options.plugin !== false) {
    mkdirSync(join(project, ".opencode", "plugins"), { recursive: true });
    writeFileSync(
      join(project, ".opencode", "plugins", "exarp.ts"),
      `export { ExarpPlugin } from ${JSON.stringify(PLUGIN_ENTRY)};\n`,
    );
  }
  const mcp = options.mcp
    ? { exarp: { type: "local", command: [process.execPath, EXARP_CLI, "mcp", "-C", project], enabled: true } }
    : undefined;
  writeFileSync(
    join(project, "opencode.json"),
    JSON.stringify({ ...mockConfig(mock.port, limits), ...(mcp ? { mcp } : {}) }, null, 2),
  );
  // An OS notifier that records what it was asked to show.
  writeFileSync(join(scratch, "bin", "notify-send"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "$NOTIFY_LOG"\n`);
  chmodSync(join(scratch, "bin", "notify-send"), 0o755);
  return {
    scratch,
    project,
    env,
    /** What OpenCode wrote to its log files so far (plugin lines included, via `client.app.log`). */
    log: () => {
      const dir = join(env.XDG_DATA_HOME as string, "opencode", "log");
      return existsSync(dir)
        ? readdirSync(dir)
            .map((f) => readFileSync(join(dir, f), "utf8"))
            .join("\n")
        : "";
    },
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

/**
 * The environment for OpenCode in `scratch`: private HOME, XDG folders and TMPDIR, the switches
 * that keep it off the network, a seeded config folder (so it never runs npm), and `scratch/bin`
 * first on PATH.
 */
export function isolatedEnv(scratch: string): NodeJS.ProcessEnv {
  const home = join(scratch, "home");
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(scratch, "bin")}:${process.env.PATH}`,
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
    NOTIFY_LOG: join(scratch, "notify.log"),
    EXARP_LEASE_CHECK_MS: "300",
  };
  for (const key of ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "TMPDIR"])
    mkdirSync(env[key] as string, { recursive: true });
  mkdirSync(join(scratch, "bin"), { recursive: true });
  seed(join(env.XDG_CONFIG_HOME as string, "opencode"), undefined);
  return env;
}

function seed(dir: string, nodeModules: string | undefined): void {
  mkdirSync(dir, { recursive: true });
  if (nodeModules) symlinkSync(nodeModules, join(dir, "node_modules"));
  else mkdirSync(join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), JSON.stringify(SEED_PACKAGE));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(SEED_LOCK));
}

/** opencode.json settings whose only model is the mock on `port`. */
export function mockConfig(port: number, limits: Limits = { context: 20_000, output: 2_000 }) {
  return {
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
          "mock-model": { name: "Mock Model", tool_call: true, limit: limits },
          "mock-small": { name: "Mock Small", tool_call: false, limit: { context: 8_000, output: 500 } },
        },
      },
    },
  };
}

export type Served = {
  url: string;
  client: OpencodeClient;
  /** Every bus event seen on the SSE stream, in order. */
  events: { type: string; properties: Record<string, unknown> }[];
  stop(): Promise<void>;
};

/** `opencode serve` in the project, with an SDK client and an event recorder. */
export async function serveOpenCode(project: string, env: NodeJS.ProcessEnv): Promise<Served> {
  // Not `--port 0`, which takes 4096 whenever it is free: a server started after another one stopped
  // would reuse its address, and the client's pooled connections to the old one.
  const port = await freePort();
  const child: ChildProcess = spawn(OPENCODE_BIN, ["serve", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: project,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`opencode serve did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve((match[1] as string).replace(/\/$/, ""));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`opencode serve exited (${code}):\n${output}`)));
  });
  const client = createOpencodeClient({ baseUrl: url, directory: project });
  const events: Served["events"] = [];
  const abort = new AbortController();
  const subscription = await client.event.subscribe({ signal: abort.signal });
  // Recorded in the background; the stream ends (and the loop with it) when the server stops.
  void (async () => {
    try {
      for await (const event of subscription.stream) events.push(event as Served["events"][number]);
    } catch {
      // aborted by stop()
    }
  })();
  return {
    url,
    client,
    events,
    async stop() {
      abort.abort();
      child.kill("SIGTERM");
      await new Promise((resolve) => {
        if (child.exitCode !== null) resolve(undefined);
        child.on("exit", resolve);
        setTimeout(() => {
          child.kill("SIGKILL");
          resolve(undefined);
        }, 5_000).unref();
      });
    },
  };
}

/** A port nothing listens on right now, chosen by the system. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `check` returns a value (not undefined or false), or fails after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
  what = "condition",
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
