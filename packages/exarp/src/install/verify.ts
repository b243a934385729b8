// Proving the wiring works before init says it is done: the MCP command answers `initialize` as a
// client would start it, and OpenCode really loads the plugin (its tools appear on the agent).
import { spawn } from "node:child_process";
import type { McpLaunch } from "./artifacts.ts";

export type Verdict = { ok: true; detail: string; ms: number } | { ok: false; reason: string };

type Ran = { stdout: string; stderr: string; code: number | null; timedOut: boolean; ms: number };

const tail = (text: string, lines = 6) =>
  text
    .trim()
    .split("\n")
    .slice(-lines)
    .map((l) => l.slice(0, 300))
    .join(" | ");

/**
 * Starts the MCP server as the client would (in the project folder), sends `initialize` then
 * `tools/list`, and stops it. Ok with the server's name and tool count; otherwise the real cause
 * (spawn error, exit code and the server's last stderr lines, or a timeout).
 */
export function checkMcp(launch: McpLaunch, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<Verdict> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let done = false;
    const finish = (verdict: Verdict) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdin.end();
      child.kill("SIGTERM");
      resolve(verdict);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason: `no answer to initialize within ${timeoutMs} ms${stderr ? `: ${tail(stderr)}` : ""}`,
        }),
      timeoutMs,
    );
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    let serverName = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      for (let nl = stdout.indexOf("\n"); nl >= 0; nl = stdout.indexOf("\n")) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        let message: { id?: number; result?: { serverInfo?: { name?: string }; tools?: unknown[] }; error?: unknown };
        try {
          message = JSON.parse(line);
        } catch {
          return finish({ ok: false, reason: `the server wrote something that is not MCP: ${tail(line, 1)}` });
        }
        if (message.id === 1) {
          if (!message.result)
            return finish({ ok: false, reason: `initialize failed: ${JSON.stringify(message.error)}` });
          serverName = message.result.serverInfo?.name ?? "?";
          send({ jsonrpc: "2.0", method: "notifications/initialized" });
          send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
        } else if (message.id === 2) {
          const tools = message.result?.tools?.length ?? 0;
          return finish({
            ok: true,
            detail: `${serverName} answered initialize, ${tools} tools`,
            ms: Math.round(performance.now() - started),
          });
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", (error) => finish({ ok: false, reason: `cannot start ${launch.command}: ${error.message}` }));
    child.on("exit", (code, signal) =>
      finish({
        ok: false,
        reason: `the server exited (${signal ?? `code ${code}`}) before answering${stderr ? `: ${tail(stderr)}` : ""}`,
      }),
    );
    child.stdin.on("error", () => undefined);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "exarp-init", version: "1" } },
    });
  });
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    const end = (code: number | null) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut, ms: Math.round(performance.now() - started) });
    };
    child.on("error", (error) => {
      stderr += error.message;
      end(null);
    });
    child.on("close", end);
  });
}

/**
 * Asks OpenCode for the named agent's resolved configuration (`opencode debug agent NAME`): the
 * plugin loaded when its tools are listed there. Otherwise the reason: OpenCode's own error, or the
 * plugin's log lines (it says why it stayed idle).
 */
export async function checkOpencodePlugin(
  opencode: string,
  agent: string,
  tool: string,
  plugin: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<Verdict> {
  const ran = await run(opencode, ["debug", "agent", agent, "--print-logs"], cwd, env, timeoutMs);
  if (ran.timedOut) return { ok: false, reason: `opencode did not finish within ${timeoutMs / 1000} s` };
  const json = ran.stdout.slice(ran.stdout.indexOf("{"));
  let tools: Record<string, unknown> | undefined;
  try {
    tools = (JSON.parse(json) as { tools?: Record<string, unknown> }).tools;
  } catch {
    return { ok: false, reason: `opencode failed (exit ${ran.code}): ${tail(ran.stderr || ran.stdout)}` };
  }
  if (tools?.[tool]) return { ok: true, detail: `OpenCode loaded the plugin (${tool} on ${agent})`, ms: ran.ms };
  const said = ran.stderr
    .split("\n")
    .filter((l) => /exarp|plugin/i.test(l) && /level=(ERROR|WARN)|exarp plugin/.test(l))
    .map((l) => /message="?([^"]*)"?/.exec(l)?.[1] ?? l);
  if (said.length) return { ok: false, reason: `the plugin's tools are missing: ${tail(said.join("\n"), 3)}` };
  // OpenCode logs nothing when a plugin fails to import: import it in OpenCode's own Bun to say why.
  const why = await importError(opencode, plugin, cwd, env);
  return {
    ok: false,
    reason: `the plugin's tools are missing${why ? `; importing ${plugin} in OpenCode's runtime fails: ${why}` : " and OpenCode logged no error (try `opencode debug agent build --print-logs`)"}`,
  };
}

/**
 * The error importing `plugin` gives in the Bun that the opencode binary is built on (a Bun
 * executable runs as plain Bun with BUN_BE_BUN=1), or undefined when it imports and exports a function.
 */
async function importError(opencode: string, plugin: string, cwd: string, env: NodeJS.ProcessEnv) {
  const check = `const m = await import(${JSON.stringify(plugin)}); if (!Object.values(m).some((v) => typeof v === "function")) throw new Error("it exports no plugin function");`;
  const ran = await run(opencode, ["-e", check], cwd, { ...env, BUN_BE_BUN: "1" }, 20_000);
  if (ran.code === 0) return undefined;
  const error = ran.stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /^(error|\w*Error):/.test(l));
  const at = /\bat (\S+:\d+:\d+)/.exec(ran.stderr)?.[1];
  return error ? `${error.slice(0, 300)}${at ? ` (${at})` : ""}` : tail(ran.stderr, 2) || undefined;
}
