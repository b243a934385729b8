// `exarp run` as a careless user starts it: the built CLI as a child process. Every bad flag, an
// OpenCode that cannot be started or reached, a person's identity and a second runner of the same
// identity are one stderr line and exit 2, with nothing claimed. (The runner at work, against the
// real OpenCode: packages/opencode-exarp/test/runner*.e2e.test.ts.)
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { childEnv, lines, run, runJson } from "./support/hermetic.ts";
import { tempDir } from "./support/temp.ts";

function project(): { root: string; task: string } {
  const root = tempDir();
  expect(run(root, ["init"]).code).toBe(0);
  return { root, task: runJson(root, ["add", "Schema"]).task.id as string };
}

/** A port nothing listens on now. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });

describe("exarp run refuses what it cannot do, changing nothing", () => {
  it("bad flags: one line each, exit 2", async () => {
    const { root, task } = project();
    const port = await closedPort();
    const cases: [string[], RegExp][] = [
      [["--max", "0"], /--max must be 1–64, not 0/],
      [["--max", "many"], /--max must be a whole number/],
      [["--attempts", "99"], /--attempts must be 1–20/],
      [["--timeout", "-3"], /--timeout must be a number of seconds from 1/],
      [["--retry-delay", "soon"], /--retry-delay must be a number of seconds/],
      [["--model", "claude"], /--model must be PROVIDER\/MODEL/],
      [["--model", "a/b\u001b[2J"], /--model must be PROVIDER\/MODEL/],
      [["--agent", "build me"], /--agent must name an OpenCode agent/],
      [["--can", "db,"], /--can "db," has an empty tag/],
      [["--url", "ftp://127.0.0.1/"], /--url must be http\(s\)/],
      [["--url", "not a url"], /--url must be the address of an `opencode serve`/],
      [["--url", `http://127.0.0.1:${port}`], /--url http:\/\/127\.0\.0\.1:\d+\/: OpenCode at .* did not answer/],
      [["--as", "user:ana"], /the runner acts as an agent, never as user:ana/],
      [["--as", "subagent:x"], /the runner acts as an agent, never as subagent:x/],
      [["--opencode", join(root, "no-such-opencode")], /cannot start OpenCode .*no-such-opencode/],
    ];
    for (const [args, message] of cases) {
      const r = run(root, ["run", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(lines(r.stderr), args.join(" ")).toHaveLength(1);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    const json = run(root, ["run", "--json", "--max", "0"]);
    expect(JSON.parse(json.stderr).error).toMatchObject({ name: "UsageError" });
    // Nothing was claimed or recorded.
    expect(runJson(root, ["show", task]).task.status).toBe("todo");
    expect(runJson(root, ["leases"]).leases).toEqual([]);
  });

  it("one runner per identity in a project: a second is refused while the first lives", async () => {
    const { root } = project();
    // An OpenCode that never listens: the first runner waits for it (its guard keeps it alive).
    const slow = join(root, "slow-opencode");
    writeFileSync(slow, "#!/bin/sh\nexec sleep 30\n");
    chmodSync(slow, 0o755);
    const first = spawn(process.execPath, [CLI, "run", "--opencode", slow], {
      cwd: root,
      env: childEnv(),
      stdio: "ignore",
    });
    try {
      // The first runner holds the project's runner file once it has started.
      const pidFile = join(root, ".exarp", "runner-agent_runner.pid");
      await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() === String(first.pid), 20_000);
      const second = run(root, ["run", "--opencode", slow], { timeoutMs: 10_000 });
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/another runner \(pid \d+\) works as agent:runner in this project/);
      // Another identity is another runner.
      const other = run(root, ["run", "--as", "agent:night", "--opencode", join(root, "missing")]);
      expect(other.stderr).toMatch(/cannot start OpenCode/);
    } finally {
      first.kill("SIGKILL");
    }
  });

  it("two runners of one identity started at the same moment: exactly one goes on", async () => {
    const { root } = project();
    const slow = join(root, "slow-opencode");
    writeFileSync(slow, "#!/bin/sh\nexec sleep 30\n");
    chmodSync(slow, 0o755);
    const start = () => spawn(process.execPath, [CLI, "run", "--opencode", slow], { cwd: root, env: childEnv() });
    const runners = [start(), start(), start()];
    const ended = runners.map(
      (child) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          let stderr = "";
          child.stderr?.on("data", (d: Buffer) => {
            stderr += d.toString();
          });
          child.on("exit", (code) => resolve({ code, stderr }));
        }),
    );
    try {
      await until(() => runners.filter((r) => r.exitCode !== null).length === 2, 20_000);
      const done = await Promise.all(ended.filter((_, i) => runners[i]?.exitCode !== null));
      for (const r of done) {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/another runner \(pid \d+\) works as agent:runner in this project/);
      }
      const alive = runners.filter((r) => r.exitCode === null);
      expect(alive).toHaveLength(1);
      const pidFile = join(root, ".exarp", "runner-agent_runner.pid");
      expect(readFileSync(pidFile, "utf8").trim()).toBe(String(alive[0]?.pid));
    } finally {
      for (const r of runners) r.kill("SIGKILL");
    }
  });
});
