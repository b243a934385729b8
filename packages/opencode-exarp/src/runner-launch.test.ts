// Starting `exarp run` from the plugin: where the command line is found, the exact command started,
// one runner at a time by its pid file, and a real detached child writing to the log.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { launchRunner, locateCli, runnerFiles, type Spawner, spawnDetached } from "./runner-launch.ts";
import { createRunnerStarter } from "./runner-start.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const root = mkdtempSync(join(tmpdir(), "exarp-run-"));
  made.push(root);
  mkdirSync(join(root, ".exarp"));
  return root;
}

/** A spawner that records what it was asked to start and answers a pid (null: none, it did not start). */
function recorder(answer: number | null = 4242) {
  const pid = answer ?? undefined;
  const calls: { command: string; args: string[]; cwd: string; logFile: string }[] = [];
  const spawn: Spawner = (command, args, options) => {
    calls.push({ command, args, ...options });
    return pid;
  };
  return { calls, spawn };
}

const node = { command: "/usr/bin/node", args: ["/p/node_modules/exarp/dist/bin/exarp.js"] };

describe("finding the exarp command line", () => {
  const files = (entries: Record<string, string>) => ({
    isFile: (path: string) => path in entries,
    readText: (path: string) => entries[path] ?? "",
  });

  it("takes the bin of the nearest exarp package above the project, run with node from PATH", () => {
    const fs = files({
      "/home/p/node_modules/exarp/package.json": JSON.stringify({ name: "exarp", bin: { exarp: "dist/bin/exarp.js" } }),
      "/home/p/node_modules/exarp/dist/bin/exarp.js": "",
      "/opt/node/bin/node": "",
    });
    expect(locateCli({ from: ["/home/p/sub/dir"], env: { PATH: "/nowhere:/opt/node/bin" }, ...fs })).toEqual({
      command: "/opt/node/bin/node",
      args: ["/home/p/node_modules/exarp/dist/bin/exarp.js"],
    });
    expect(locateCli({ from: ["/home/p"], env: { PATH: "/nowhere" }, ...fs })).toBe("no-node");
  });

  it("skips a package of another name, a bin that is missing, a damaged manifest; then exarp on PATH; then none", () => {
    const fs = files({
      "/a/node_modules/exarp/package.json": JSON.stringify({ name: "not-exarp", bin: "x.js" }),
      "/a/node_modules/exarp/x.js": "",
      "/a/b/node_modules/exarp/package.json": JSON.stringify({ name: "exarp", bin: "gone.js" }),
      "/a/b/c/node_modules/exarp/package.json": "{ damaged",
      "/usr/local/bin/exarp": "",
    });
    expect(locateCli({ from: ["/a/b/c"], env: { PATH: "/usr/local/bin" }, ...fs })).toEqual({
      command: "/usr/local/bin/exarp",
      args: [],
    });
    expect(locateCli({ from: ["/a/b/c"], env: {}, ...fs })).toBeUndefined();
  });

  it("prefers EXARP_CLI: a script runs with node, anything else runs as it is", () => {
    const fs = files({ "/x/exarp.js": "", "/x/exarp": "", "/bin/node": "" });
    expect(locateCli({ from: [], env: { EXARP_CLI: "/x/exarp.js", PATH: "/bin" }, ...fs })).toEqual({
      command: "/bin/node",
      args: ["/x/exarp.js"],
    });
    expect(locateCli({ from: [], env: { EXARP_CLI: "/x/exarp", PATH: "/bin" }, ...fs })).toEqual({
      command: "/x/exarp",
      args: [],
    });
  });

  it("finds this repository's own exarp package from the plugin's folder", () => {
    const found = locateCli({ from: [import.meta.dirname], env: process.env });
    expect(found).toMatchObject({ args: [expect.stringMatching(/exarp[/\\]dist[/\\]bin[/\\]exarp\.js$/)] });
  });
});

describe("starting a runner", () => {
  it("starts exactly `exarp -C ROOT run --url URL --until-idle --max N`, detached, and records its pid", () => {
    const root = project();
    const { calls, spawn } = recorder();
    const r = launchRunner({ root, serverUrl: "http://127.0.0.1:4096", max: 3, cli: () => node, spawn });
    const args = [...node.args, "-C", root, "run", "--url", "http://127.0.0.1:4096", "--until-idle", "--max", "3"];
    expect(calls).toEqual([{ command: node.command, args, cwd: root, logFile: join(root, ".exarp", "runner.log") }]);
    expect(r).toEqual({ outcome: "started", pid: 4242, argv: [node.command, ...args], log: runnerFiles(root).log });
    expect(readFileSync(runnerFiles(root).pid, "utf8")).toBe("4242\n");
  });

  it("leaves out --url when the server cannot be reached, and --max when none is asked", () => {
    const root = project();
    const { calls, spawn } = recorder();
    launchRunner({ root, serverUrl: undefined, reportTo: "ses_1", cli: () => node, spawn });
    // No --report-to either: a runner's own server does not hold the session that asked.
    expect(calls[0]?.args).toEqual([...node.args, "-C", root, "run", "--until-idle"]);
  });

  it("tells the runner which session asked, so that session hears of each finished task", () => {
    const root = project();
    const { calls, spawn } = recorder();
    launchRunner({ root, serverUrl: "http://127.0.0.1:4096", reportTo: "ses_abc", cli: () => node, spawn });
    expect(calls[0]?.args).toEqual([
      ...node.args,
      ...["-C", root, "run", "--url", "http://127.0.0.1:4096", "--report-to", "ses_abc", "--until-idle"],
    ]);
  });

  it("refuses a second runner while the recorded one is alive, and replaces the record of one that is gone", () => {
    const root = project();
    const { calls, spawn } = recorder(5151);
    writeFileSync(runnerFiles(root).pid, "4242\n");
    const alive = new Set([4242]);
    const second = launchRunner({ root, serverUrl: "http://h", cli: () => node, spawn, alive: (p) => alive.has(p) });
    expect(second).toEqual({ outcome: "running", pid: 4242, log: runnerFiles(root).log });
    expect(calls).toEqual([]);
    alive.clear();
    const again = launchRunner({ root, serverUrl: "http://h", cli: () => node, spawn, alive: (p) => alive.has(p) });
    expect(again).toMatchObject({ outcome: "started", pid: 5151 });
    expect(readFileSync(runnerFiles(root).pid, "utf8")).toBe("5151\n");
    for (const garbage of ["", "not a pid\n", "-4\n", "1e400\n"]) {
      writeFileSync(runnerFiles(root).pid, garbage);
      expect(launchRunner({ root, serverUrl: "http://h", cli: () => node, spawn, alive: () => true }).outcome).toBe(
        "started",
      );
    }
  });

  it("changes nothing when the command line, node or the process cannot be had", () => {
    const root = project();
    const { calls, spawn } = recorder(null);
    expect(launchRunner({ root, serverUrl: "http://h", cli: () => undefined, spawn })).toEqual({ outcome: "no-cli" });
    expect(launchRunner({ root, serverUrl: "http://h", cli: () => "no-node", spawn })).toEqual({ outcome: "no-node" });
    expect(calls).toEqual([]);
    expect(launchRunner({ root, serverUrl: "http://h", cli: () => node, spawn })).toMatchObject({ outcome: "failed" });
    const throwing: Spawner = () => {
      throw new Error("EACCES");
    };
    expect(launchRunner({ root, serverUrl: "http://h", cli: () => node, spawn: throwing })).toEqual({
      outcome: "failed",
      message: "EACCES",
    });
    expect(existsSync(runnerFiles(root).pid)).toBe(false);
  });

  it("answers in words: what started, or why not (the tool and /run say this)", async () => {
    const root = project();
    const { calls, spawn } = recorder();
    const start = createRunnerStarter({
      root,
      serverUrl: new URL("http://127.0.0.1:4096/"),
      cli: () => node,
      spawn,
      alive: () => true,
      reachable: async () => true,
    });
    expect(await start(2)).toMatch(
      /^Started the exarp runner \(pid 4242\): \/usr\/bin\/node .* run --url http:\/\/127\.0\.0\.1:4096 --until-idle --max 2\. .*Output: .*runner\.log\.$/,
    );
    expect(await start()).toBe(
      `An exarp runner is already running (pid 4242); output: ${runnerFiles(root).log}. Nothing started.`,
    );
    expect(calls).toHaveLength(1);
    rmSync(runnerFiles(root).pid);
    const unreachable = createRunnerStarter({
      root,
      serverUrl: new URL("http://localhost:4096/"),
      cli: () => node,
      spawn,
      reachable: async () => false,
    });
    expect(await unreachable()).toContain("cannot be reached from another process, so the runner starts its own");
    expect(calls[1]?.args).not.toContain("--url");
  });

  it("really starts a detached child whose output lands in the log", async () => {
    const root = project();
    const log = join(root, ".exarp", "runner.log");
    const pid = spawnDetached(process.execPath, ["-e", "console.log('runner says hi'); console.error('and warns')"], {
      cwd: root,
      logFile: log,
    });
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 100 && !readFileSync(log, "utf8").includes("warns"); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(log, "utf8")).toBe("runner says hi\nand warns\n");
  });

  it("never writes the log through a symlink", () => {
    const root = project();
    const target = join(root, "elsewhere.txt");
    writeFileSync(target, "keep me");
    symlinkSync(target, join(root, ".exarp", "runner.log"));
    const r = launchRunner({
      root,
      serverUrl: "http://h",
      cli: () => ({ command: process.execPath, args: ["-e", ""] }),
    });
    expect(r).toMatchObject({ outcome: "failed", message: expect.stringContaining("ELOOP") });
    expect(readFileSync(target, "utf8")).toBe("keep me");
    expect(existsSync(runnerFiles(root).pid)).toBe(false);
  });
});
