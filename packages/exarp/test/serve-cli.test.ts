// `exarp serve` as a person starts it: the built CLI as a child process. It prints one line with its
// URL; on a first start it makes an owner token only when it can show the secret on a terminal (a
// pty from util-linux `script` stands in for one), never on a pipe, a file or stderr; a used port
// or a foreign address is one line and exit 2; SIGTERM and SIGINT end it cleanly, streams included.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, collectOutput } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { childEnv, lines, run, runJson } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

const SECRET = /exarp_[A-Za-z0-9_-]{43}/;
const URL_LINE = /^exarp serve: (http:\/\/127\.0\.0\.1:(\d+)\/)$/;

type Served = {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Starts `command args` in `cwd` in a session of its own: no controlling terminal, stdout a pipe. */
function start(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Served {
  const child = spawn(command, args, { cwd, env: childEnv(env), detached: true, stdio: ["pipe", "pipe", "pipe"] });
  const output = collectOutput(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => output.stdout, stderr: () => output.stderr, exited };
}

const serve = (cwd: string, args: string[] = []) =>
  start(cwd, process.execPath, [CLI, "serve", "--port", "0", ...args]);

/**
 * Starts `exarp serve --port 0 <redirect>` on a pty of util-linux `script`, so its stdout (or, with
 * the output redirected, its controlling terminal) is a terminal. The shell `script` starts execs the
 * server, so a Ctrl-C typed on the pty reaches the server alone, with no shell waiting in between to
 * be killed by it (dash, the caller's $SHELL on many machines, is; bash is not).
 */
const serveOnTerminal = (cwd: string, redirect = "") =>
  start(cwd, "script", ["-qec", `exec "${process.execPath}" "${CLI}" serve --port 0 ${redirect}`, "/dev/null"], {
    SHELL: "/bin/sh",
  });

/** The URL once the server printed it. */
async function listening(s: Served): Promise<string> {
  await until(() => URL_LINE.test(s.stdout().split("\n")[0] ?? "") || s.child.exitCode !== null, 20_000);
  const match = URL_LINE.exec(s.stdout().split("\n")[0] ?? "");
  if (!match) throw new Error(`no URL line: ${s.stdout()} ${s.stderr()}`);
  return match[1] as string;
}

function project(): string {
  const root = tempDir();
  expect(run(root, ["init"]).code).toBe(0);
  return root;
}

describe("exarp serve", () => {
  it("prints its URL, makes no owner token without a terminal, serves, and exits 0 on SIGTERM with a stream open", async () => {
    const root = project();
    const s = serve(root);
    const url = await listening(s);
    expect(lines(s.stdout())).toEqual([`exarp serve: ${url}`]);
    await until(() => s.stderr().includes("log in"), 5000);
    expect(s.stderr()).toContain("no owner token yet");
    expect(s.stderr()).toContain("exarp token create --scope owner");
    expect(s.stdout() + s.stderr()).not.toMatch(SECRET);
    expect(runJson(root, ["token", "list"]).tokens).toEqual([]);

    expect((await fetch(`${url}api/tasks`)).status).toBe(401);
    const { secret } = runJson(root, ["token", "create", "--scope", "viewer"]);
    const tasks = await fetch(`${url}api/tasks`, { headers: { authorization: `Bearer ${secret}` } });
    expect(tasks.status).toBe(200);
    const stream = await fetch(`${url}api/events`, { headers: { authorization: `Bearer ${secret}` } });
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();

    s.child.kill("SIGTERM");
    expect(await s.exited).toEqual({ code: 0, signal: null });
    // The stream ended with the server rather than hanging.
    for (let r = await reader.read(); !r.done; r = await reader.read());
    expect(s.stderr()).not.toMatch(SECRET);
  });

  it("refuses a used port in one line, exit 2", async () => {
    const root = project();
    const first = serve(root);
    const url = await listening(first);
    const port = new URL(url).port;
    try {
      const second = run(root, ["serve", "--port", port]);
      expect(second.code).toBe(2);
      expect(second.stdout).toBe("");
      expect(lines(second.stderr)).toEqual([
        `exarp: cannot listen on 127.0.0.1:${port}: the port is in use; choose another --port (0 picks a free one)`,
      ]);
    } finally {
      first.child.kill("SIGINT");
      expect(await first.exited).toEqual({ code: 0, signal: null });
    }
  });

  it("warns about an address other machines reach, and refuses one that is not this machine's", () => {
    const root = project();
    const r = run(root, ["serve", "--host", "203.0.113.7", "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const [warning, refusal] = lines(r.stderr);
    expect(warning).toMatch(/^exarp serve: warning: listening on 203\.0\.113\.7, reachable from other machines/);
    expect(refusal).toMatch(/^exarp: cannot listen on 203\.0\.113\.7:0: not an address of this machine/);
    for (const [args, says] of [
      [["--port", "70000"], "--port must be 0–65535"],
      [["--port", "x"], "--port must be a whole number"],
      [["--as", "agent:x"], "--as and --session do not apply"],
    ] as const) {
      const bad = run(root, ["serve", ...args]);
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr).toContain(says);
    }
  });

  it("on a terminal, makes the first owner token and shows its secret there once; the secret logs in", async () => {
    const root = project();
    const s = serveOnTerminal(root);
    await until(() => /exarp serve: http:\/\/127\.0\.0\.1:\d+\//.test(s.stdout()) || s.child.exitCode !== null, 20_000);
    const url = /exarp serve: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(s.stdout())?.[1] as string;
    const secret = SECRET.exec(s.stdout())?.[0] as string;
    expect(s.stdout()).toMatch(/first owner token, for user:\S+ \(shown once, keep it\): exarp_/);
    const [token] = runJson(root, ["token", "list"]).tokens;
    expect(token).toMatchObject({ scope: "owner", identity: expect.stringMatching(/^user:/), revokedAt: null });
    const login = await fetch(`${url}api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: secret }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ scope: "owner", identity: token.identity });
    s.child.stdin.write("\u0003");
    expect(await s.exited).toEqual({ code: 0, signal: null });
    // The audit trail holds the token's hash, never its secret.
    expect(readFileSync(join(root, ".exarp", "audit.jsonl"), "utf8")).not.toContain(secret);

    // A second start finds the owner token and makes none.
    const again = serve(root);
    await listening(again);
    again.child.kill("SIGTERM");
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(again.stderr()).not.toContain("owner token yet");
    expect(runJson(root, ["token", "list"]).tokens).toHaveLength(1);
  });

  it("with stdout redirected, shows the secret on the controlling terminal, never in the file", async () => {
    const root = project();
    const out = join(tempDir(), "out.txt");
    const s = serveOnTerminal(root, `> "${out}"`);
    await until(() => SECRET.test(s.stdout()) || s.child.exitCode !== null, 20_000);
    await until(() => URL_LINE.test(readFileSafe(out).trim()), 20_000);
    expect(lines(readFileSafe(out))).toEqual([expect.stringMatching(URL_LINE)]);
    expect(readFileSafe(out)).not.toMatch(SECRET);
    s.child.stdin.write("\u0003");
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(runJson(root, ["token", "list"]).tokens).toHaveLength(1);
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
