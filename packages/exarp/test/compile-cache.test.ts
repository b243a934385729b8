// The launcher's V8 code cache (src/cli/launch.ts), on a copy of the built CLI installed in a
// folder of its own (so no other test's runs write beside it): written once per verb and script by
// the run that lacked it and only read after; refused and written again when damaged or when the
// script was rebuilt; by a server a few seconds in, before any exit; never in the way when it cannot
// be written; off with NODE_DISABLE_COMPILE_CACHE=1. Whatever the cache, a command answers the same.
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "./support/cli.ts";
import { until } from "./support/expect.ts";
import { tempDir } from "./support/temp.ts";

const BUILT = dirname(CLI);
const repoModules = join(BUILT, "..", "..", "..", "..", "node_modules");

/** The built CLI copied into `<package>/dist/bin/`, better-sqlite3 linked into `<package>/node_modules/`. */
function install() {
  const pkg = tempDir("exarp-cache-pkg-");
  const bin = join(pkg, "dist", "bin");
  mkdirSync(bin, { recursive: true });
  for (const file of readdirSync(BUILT)) copyFileSync(join(BUILT, file), join(bin, file));
  mkdirSync(join(pkg, "node_modules"));
  symlinkSync(join(repoModules, "better-sqlite3"), join(pkg, "node_modules", "better-sqlite3"), "dir");
  const project = tempDir("exarp-cache-project-");
  const folder = join(pkg, "node_modules", ".cache", "exarp");
  const cli = join(bin, "exarp.js");
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [cli, ...args], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, EXARP_AGENT: "agent:cache", EXARP_SESSION: "", EXARP_PROJECT_ROOT: "", ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** Every cache file with its modification time (not one still being written: a `.tmp`, renamed any moment). */
  const caches = (): Record<string, number> =>
    existsSync(folder) && statSync(folder).isDirectory()
      ? Object.fromEntries(
          readdirSync(folder)
            .filter((f) => !f.endsWith(".tmp"))
            .map((f) => [f, statSync(join(folder, f)).mtimeMs]),
        )
      : {};
  expect(run(["init"]).code).toBe(0);
  return { bin, cli, project, folder, run, caches };
}

/** Cache files as `verb-script`, without the build and Node they were made for. */
const named = (caches: Record<string, number>) =>
  Object.keys(caches)
    .map((f) => f.replace(/-[0-9a-z]+\.cache$/, ""))
    .sort();

describe("the CLI's code cache", () => {
  it("is written once per verb and script by the run that lacks it, then only read", () => {
    const { run, caches } = install();
    const listed = run(["list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(run(["add", "cached", "-q"]).code).toBe(0);
    // init and add validate input (zod.js); list only reads.
    expect(named(caches())).toEqual(["add-cli.js", "add-zod.js", "init-cli.js", "init-zod.js", "list-cli.js"]);

    const before = caches();
    const again = run(["list", "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).tasks.map((t: { title: string }) => t.title)).toEqual(["cached"]);
    expect(run(["add", "twice", "-q"]).code).toBe(0);
    expect(caches()).toEqual(before);
  });

  it("answers the same from a damaged cache, which V8 refuses and the run writes again", () => {
    const { run, caches, folder } = install();
    run(["add", "one", "-q"]);
    const reference = run(["list", "--json"]).stdout;
    const file = Object.keys(caches()).find((f) => f.startsWith("list-cli.js-")) as string;
    const path = join(folder, file);
    writeFileSync(path, Buffer.alloc(statSync(path).size, 0x5a));
    utimesSync(path, new Date(0), new Date(0));
    expect(run(["list", "--json"])).toMatchObject({ code: 0, stdout: reference, stderr: "" });
    expect(statSync(path).mtimeMs).toBeGreaterThan(0);
    expect(readFileSync(path).subarray(0, 64).equals(Buffer.alloc(64, 0x5a))).toBe(false);
  });

  it("is made again for a rebuilt script, and the cache of the old build removed", () => {
    const { run, caches, bin } = install();
    run(["list", "--json"]);
    const old = Object.keys(caches()).find((f) => f.startsWith("list-cli.js-")) as string;
    utimesSync(join(bin, "cli.js"), new Date(), new Date(Date.now() + 60_000));
    expect(run(["list", "--json"]).code).toBe(0);
    const now = Object.keys(caches()).filter((f) => f.startsWith("list-cli.js-"));
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
  });

  it("is not in the way when it cannot be written, and not used with NODE_DISABLE_COMPILE_CACHE=1", () => {
    const { run, caches, folder } = install();
    const reference = run(["list", "--json"], { NODE_DISABLE_COMPILE_CACHE: "1" });
    expect(reference.code).toBe(0);
    expect(named(caches())).toEqual(["init-cli.js", "init-zod.js"]);

    rmSync(folder, { recursive: true });
    writeFileSync(folder, "a file where the cache folder would be");
    expect(run(["list", "--json"])).toMatchObject({ code: 0, stdout: reference.stdout, stderr: "" });
    expect(readFileSync(folder, "utf8")).toBe("a file where the cache folder would be");
  });

  it("shows `exarp mcp` serving initialize, ping and every resource without zod, which the first tools/list loads", async () => {
    const { cli, project, caches, run } = install();
    expect(run(["add", "ready one", "-q"]).code).toBe(0);
    const session = (messages: object[]) => {
      const input = messages.map((m) => `${JSON.stringify({ jsonrpc: "2.0", ...m })}\n`).join("");
      const r = spawnSync(process.execPath, [cli, "mcp"], {
        cwd: project,
        input,
        encoding: "utf8",
        env: { ...process.env, EXARP_AGENT: "agent:cache", EXARP_SESSION: "", EXARP_PROJECT_ROOT: "" },
      });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
    };
    const initialize = {
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
    };
    const reads = ["exarp://tasks/ready", "exarp://plan", "exarp://events/recent"].map((uri, i) => ({
      id: 10 + i,
      method: "resources/read",
      params: { uri },
    }));
    const answers = session([
      initialize,
      { method: "notifications/initialized" },
      { id: 2, method: "ping" },
      { id: 3, method: "resources/list" },
      ...reads,
      { id: 4, method: "resources/subscribe", params: { uri: "exarp://plan" } },
    ]);
    expect(answers.map((a) => a.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 10, 11, 12]);
    expect(answers.filter((a) => a.error)).toEqual([]);
    expect(JSON.parse(answers.find((a) => a.id === 10).result.contents[0].text).ready).toHaveLength(1);
    // The session exited: its caches are written, and zod's is not among them.
    expect(named(caches()).filter((f) => f.startsWith("mcp-"))).toEqual(["mcp-cli.js"]);

    const listed = session([initialize, { id: 2, method: "tools/list" }]);
    expect(listed.find((a) => a.id === 2).result.tools).toHaveLength(8);
    expect(named(caches()).filter((f) => f.startsWith("mcp-"))).toEqual(["mcp-cli.js", "mcp-zod.js"]);
  });

  it("is written by `exarp mcp` a few seconds in, while it still serves", async () => {
    const { cli, project, caches } = install();
    const child = spawn(process.execPath, [cli, "mcp"], {
      cwd: project,
      env: { ...process.env, EXARP_AGENT: "agent:cache", EXARP_SESSION: "", EXARP_PROJECT_ROOT: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
    });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/list" });
    try {
      await until(() => out.includes('"id":2'), 10_000);
      await until(() => named(caches()).includes("mcp-zod.js"), 10_000);
      expect(named(caches())).toContain("mcp-cli.js");
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGTERM");
    }
  });
});
