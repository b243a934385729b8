// `exarp init` as an installer: what it writes for each client, that each MCP entry it writes really
// starts exarp as an agent (never as the person who approves), that re-runs are idempotent and
// refuse to overwrite what a person changed, and that bad or hostile existing files change nothing.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { parse as parseJsonc } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { CLI } from "./support/cli.ts";
import { tempDir } from "./support/temp.ts";

/** A repository with nothing inherited: PATH holds only node and the system, HOME is empty. */
function repo(files: Record<string, string> = {}) {
  const base = tempDir("exarp-init-");
  const root = join(base, "repo");
  mkdirSync(join(root, ".git"), { recursive: true });
  mkdirSync(join(base, "home"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: join(base, "home"),
    TMPDIR: process.env.TMPDIR,
    LANG: "C.UTF-8",
  };
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, "init", ...args], {
      cwd: root,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (args: string[]) => {
    const r = run([...args, "--json"]);
    if (r.code !== 0) throw new Error(`init ${args.join(" ")} failed (${r.code}): ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const read = (path: string) => readFileSync(join(root, path), "utf8");
  return { root, base, env, run, json, read, snapshot: () => snapshot(root) };
}

/** Every file under root (but .git) with its bytes, and every symlink with its target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (rel === ".git") continue;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) out[rel] = `-> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) walk(path);
      else out[rel] = readFileSync(path, "latin1");
    }
  };
  walk(root);
  return out;
}

const MCP_FILES = {
  "claude-code": { file: ".mcp.json", key: ["mcpServers", "exarp"] },
  cursor: { file: ".cursor/mcp.json", key: ["mcpServers", "exarp"] },
  zed: { file: ".zed/settings.json", key: ["context_servers", "exarp"] },
  "opencode-mcp": { file: "opencode.json", key: ["mcp", "exarp"] },
} as const;

const at = (value: unknown, key: readonly string[]) =>
  key.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

/** The command line an entry names, in the two shapes clients use. */
function launchOf(entry: { command: string | string[]; args?: string[] }) {
  return Array.isArray(entry.command)
    ? { command: entry.command[0] as string, args: entry.command.slice(1) }
    : { command: entry.command, args: entry.args ?? [] };
}

describe("exarp init: the clients", () => {
  it("--dry-run prints the whole plan and changes nothing, not even .exarp/", () => {
    const p = repo({ "opencode.json": '{ "theme": "dark" }\n' });
    const before = p.snapshot();
    const r = p.run(["--claude-code", "--cursor", "--zed", "--opencode-mcp", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("would create the exarp project");
    for (const label of [
      "add                 opencode.json: mcp.exarp",
      "add                 .mcp.json: mcpServers.exarp",
      "create              .claude/commands/next.md",
      "add                 .zed/settings.json: context_servers.exarp",
    ])
      expect(r.stdout).toContain(label);
    expect(r.stdout).toContain("dry run: nothing changed");
    expect(p.snapshot()).toEqual(before);
    const data = p.json(["--cursor", "--dry-run"]);
    expect(data).toMatchObject({ dryRun: true, clients: ["cursor"] });
    expect(p.snapshot()).toEqual(before);
  });

  it.each(Object.entries(MCP_FILES))(
    "%s: the entry it writes starts exarp's MCP server, acting as that client's agent, which cannot approve",
    async (client, { file, key }) => {
      const p = repo();
      const r = p.run([`--${client}`]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/answered initialize, \d+ tools/);
      const entry = at(parseJsonc(p.read(file)), key) as { command: string | string[]; args?: string[] };
      const launch = launchOf(entry);
      expect(launch.args).toContain(`agent:${client === "opencode-mcp" ? "opencode" : client}`);

      // A real MCP client, started from an unrelated folder: the entry does not depend on where the client runs.
      let id = "";
      const transport = new StdioClientTransport({
        ...launch,
        cwd: p.base,
        env: p.env as Record<string, string>,
        stderr: "pipe",
      });
      const mcp = new Client({ name: "test", version: "1" });
      await mcp.connect(transport);
      try {
        const created = await mcp.callTool({ name: "task_write", arguments: { action: "create", title: "wired" } });
        expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
        id = JSON.parse((created.content as { text: string }[])[0]?.text ?? "").created.id;
        await mcp.callTool({ name: "claim", arguments: { action: "claim", taskId: id } });
        const review = await mcp.callTool({ name: "task_status", arguments: { id, to: "review" } });
        expect(review.isError, JSON.stringify(review.content)).toBeFalsy();
      } finally {
        await mcp.close();
      }
      // The agent handed it to review; the person at this machine can approve it.
      const history = spawnSync(process.execPath, [CLI, "history", "--json"], {
        cwd: p.root,
        env: p.env,
        encoding: "utf8",
      });
      const actors = new Set(JSON.parse(history.stdout).events.map((e: { actor: string }) => e.actor));
      expect([...actors].filter((a) => !String(a).startsWith("system"))).toEqual([
        `agent:${client === "opencode-mcp" ? "opencode" : client}`,
      ]);
      const approve = spawnSync(process.execPath, [CLI, "approve", id], { cwd: p.root, env: p.env, encoding: "utf8" });
      expect(approve.status, approve.stderr).toBe(0);
    },
  );

  it("claude-code: agents and commands with the models substituted, the reviewer limited to reading and commenting", () => {
    const p = repo();
    expect(p.run(["--claude-code", "--model", "opus", "--small-model", "haiku"]).code).toBe(0);
    const build = p.read(".claude/agents/exarp-build.md");
    expect(build).toMatch(/^---\nname: "exarp-build"\ndescription: ".+"\nmodel: "opus"\n---\n\n/);
    expect(build).toContain("mcp__exarp__claim");
    const review = p.read(".claude/agents/exarp-review.md");
    expect(review).toContain(
      'tools: "Read, Grep, Glob, mcp__exarp__approval, mcp__exarp__tasks, mcp__exarp__task_write"',
    );
    expect(p.read(".claude/commands/waves.md")).toContain('model: "haiku"');
    expect(p.read(".claude/commands/next.md")).toContain('model: "opus"');
    expect(p.read(".claude/commands/next.md")).toContain("$ARGUMENTS");
  });

  it("opencode: the plugin by path, no MCP entry, agents and commands in opencode.json (no .opencode/ folder)", () => {
    const p = repo();
    const r = p.run(["--opencode", "--model", "mock/big", "--small-model", "mock/small"]);
    expect(r.code, r.stderr).toBe(0);
    // No opencode binary on this PATH: said, not hidden.
    expect(r.stdout).toContain("wired; not verified: no `opencode`");
    const config = JSON.parse(p.read("opencode.json"));
    expect(config.plugin).toHaveLength(1);
    expect(config.plugin[0]).toMatch(/opencode-exarp$/);
    expect(existsSync(join(config.plugin[0].startsWith(".") ? p.root : "/", config.plugin[0], "package.json"))).toBe(
      true,
    );
    expect(config.mcp).toBeUndefined();
    expect(config.agent["exarp-build"]).toMatchObject({ mode: "primary", model: "mock/big" });
    expect(config.agent["exarp-build"].prompt).toContain("exarp_next (claim=true)");
    expect(config.agent["exarp-review"].tools).toEqual({ write: false, edit: false });
    expect(config.command.next).toMatchObject({ agent: "exarp-build", model: "mock/big" });
    expect(config.command.waves).toMatchObject({ model: "mock/small" });
    expect(existsSync(join(p.root, ".opencode"))).toBe(false);
  });

  it("--yes wires the clients the project shows signs of, and only those", () => {
    const p = repo({ ".claude/settings.json": "{}", ".zed/settings.json": "{}\n" });
    const data = p.json(["--yes"]);
    expect(data.clients).toEqual(["claude-code", "zed"]);
    expect(existsSync(join(p.root, ".mcp.json"))).toBe(true);
    expect(existsSync(join(p.root, ".cursor"))).toBe(false);

    const bare = repo();
    expect(bare.json(["--yes"]).clients).toEqual([]);
    expect(Object.keys(bare.snapshot()).every((f) => f.startsWith(".exarp/"))).toBe(true);
  });

  it("without flags and without a terminal it creates only the project, and names the clients it saw", () => {
    const p = repo({ ".cursor/rules.md": "" });
    const r = p.run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("seen in this project, not wired: Cursor (`exarp init --cursor`)");
    expect(Object.keys(p.snapshot()).filter((f) => !f.startsWith(".exarp/"))).toEqual([".cursor/rules.md"]);
    const bare = repo();
    expect(bare.run([]).stdout).not.toContain("seen in this project");
  });
});

describe("exarp init: idempotent, and never overwrites what a person changed", () => {
  it("a second run changes no byte; the record holds a SHA-256 per file and key", () => {
    const p = repo();
    p.json(["--claude-code", "--cursor"]);
    const first = p.snapshot();
    const again = p.json(["--claude-code", "--cursor"]);
    expect(again.steps.every((s: { action: string }) => s.action === "unchanged")).toBe(true);
    expect(p.snapshot()).toEqual(first);
    const record = JSON.parse(p.read(".exarp/local.json")).install;
    expect(Object.keys(record).sort()).toEqual([
      ".claude/agents/exarp-build.md",
      ".claude/agents/exarp-review.md",
      ".claude/commands/next.md",
      ".claude/commands/waves.md",
      ".cursor/mcp.json#mcpServers.exarp",
      ".mcp.json#mcpServers.exarp",
    ]);
    for (const hash of Object.values(record)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("updates what it wrote and nobody changed (new models); refuses, naming them, what a person changed; --force replaces", () => {
    const p = repo();
    p.json(["--claude-code", "--model", "sonnet"]);
    // A new choice of model: every file of exarp's is updated.
    const updated = p.json(["--claude-code", "--model", "opus"]);
    expect(
      updated.steps.filter((s: { action: string }) => s.action === "update").map((s: { label: string }) => s.label),
    ).toEqual([
      ".claude/agents/exarp-build.md",
      ".claude/agents/exarp-review.md",
      ".claude/commands/next.md",
      ".claude/commands/waves.md",
    ]);
    // A person edits one template and the server entry.
    writeFileSync(join(p.root, ".claude/commands/next.md"), "my own /next\n");
    const mcp = JSON.parse(p.read(".mcp.json"));
    mcp.mcpServers.exarp.env = { EXARP_AGENT: "agent:mine" };
    writeFileSync(join(p.root, ".mcp.json"), JSON.stringify(mcp));
    const before = p.snapshot();
    const refused = p.run(["--claude-code", "--model", "haiku"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "exarp: nothing changed: changed by someone else since exarp wrote them (or never exarp's): .mcp.json: mcpServers.exarp; .claude/commands/next.md — keep them, or run again with --force to replace them\n",
    );
    expect(p.snapshot()).toEqual(before);

    const forced = p.json(["--claude-code", "--model", "haiku", "--force"]);
    expect(forced.steps).toEqual(
      expect.arrayContaining([
        { label: ".claude/commands/next.md", action: "overwrite" },
        { label: ".mcp.json: mcpServers.exarp", action: "overwrite" },
      ]),
    );
    expect(p.read(".claude/commands/next.md")).toContain('model: "haiku"');
    expect(
      p.json(["--claude-code", "--model", "haiku"]).steps.every((s: { action: string }) => s.action === "unchanged"),
    ).toBe(true);
  });

  it("a file someone committed that matches what init writes is adopted; one that differs is theirs", () => {
    const first = repo();
    first.json(["--claude-code"]);
    const template = first.read(".claude/commands/waves.md");
    const p = repo({ ".claude/commands/waves.md": template, ".claude/commands/next.md": "theirs\n" });
    const r = p.run(["--claude-code"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(".claude/commands/next.md");
    expect(r.stderr).not.toContain(".claude/commands/waves.md");
  });

  it("keeps everything else in the files it merges into: other keys, comments, order, indentation", () => {
    const zed = `// Zed settings\n{\n    "theme": "One Dark", // mine\n    "context_servers": {\n        "other": { "command": "x" },\n    },\n}\n`;
    const mcp = `{\n    "mcpServers": {\n        "github": { "command": "gh-mcp" }\n    }\n}\n`;
    const p = repo({ ".zed/settings.json": zed, ".mcp.json": mcp });
    expect(p.run(["--zed", "--claude-code"]).code).toBe(0);
    const zedAfter = p.read(".zed/settings.json");
    expect(zedAfter.startsWith('// Zed settings\n{\n    "theme": "One Dark", // mine\n')).toBe(true);
    const zedValue = parseJsonc(zedAfter, [], { allowTrailingComma: true });
    expect(zedValue.context_servers.other).toEqual({ command: "x" });
    expect(zedValue.context_servers.exarp.args).toContain("agent:zed");
    const mcpAfter = JSON.parse(p.read(".mcp.json"));
    expect(Object.keys(mcpAfter.mcpServers)).toEqual(["github", "exarp"]);
    expect(p.read(".mcp.json")).toMatch(/^ {8}"exarp"/m);
  });
});

describe("exarp init --remove", () => {
  it("takes out exactly what init wrote, keeps everything else and the project; refuses what a person changed", () => {
    const mcp = `{\n  "mcpServers": {\n    "github": { "command": "gh-mcp" }\n  }\n}\n`;
    const p = repo({ ".mcp.json": mcp, "opencode.json": '{ "theme": "dark" }\n' });
    p.json(["--claude-code", "--cursor", "--opencode-mcp"]);
    const wired = p.snapshot();
    const dry = p.run(["--remove", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("remove              .claude/commands/next.md");
    expect(p.snapshot()).toEqual(wired);

    writeFileSync(join(p.root, ".claude/commands/waves.md"), "mine now\n");
    const refused = p.run(["--remove"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("(or never exarp's): .claude/commands/waves.md — keep them");
    expect(p.read(".claude/commands/waves.md")).toBe("mine now\n");

    const cursorOnly = p.json(["--remove", "--cursor"]);
    expect(cursorOnly.removed).toEqual(["cursor"]);
    expect(JSON.parse(p.read(".cursor/mcp.json"))).toEqual({ mcpServers: {} });

    const r = p.run(["--remove", "--force"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("removed exarp's wiring for OpenCode (MCP server only), Claude Code");
    expect(r.stdout).toContain("kept");
    expect(existsSync(join(p.root, ".claude/commands/next.md"))).toBe(false);
    expect(existsSync(join(p.root, ".claude/commands/waves.md"))).toBe(false);
    expect(JSON.parse(p.read(".mcp.json"))).toEqual({ mcpServers: { github: { command: "gh-mcp" } } });
    expect(JSON.parse(p.read("opencode.json"))).toEqual({ theme: "dark", mcp: {}, agent: {}, command: {} });
    expect(existsSync(join(p.root, ".exarp", "exarp.db"))).toBe(true);
    expect(JSON.parse(p.read(".exarp/local.json")).install).toEqual({});
    expect(p.run(["--remove"]).stdout).toContain("nothing of exarp's to remove");
  });
});

describe("exarp init: the two OpenCode wirings never collide", () => {
  it("switching between the plugin and the MCP server removes exarp's own other wiring", () => {
    const p = repo();
    p.json(["--opencode-mcp"]);
    expect(JSON.parse(p.read("opencode.json")).mcp.exarp).toBeDefined();
    const toPlugin = p.json(["--opencode"]);
    expect(toPlugin.steps).toContainEqual({ label: "opencode.json: mcp.exarp", action: "remove" });
    const config = JSON.parse(p.read("opencode.json"));
    expect(config.mcp).toEqual({});
    expect(config.plugin).toHaveLength(1);
    p.json(["--opencode-mcp"]);
    expect(JSON.parse(p.read("opencode.json")).plugin).toEqual([]);
  });

  it("an exarp MCP entry or a plugin entry a person wrote is named as the collision, and kept without --force", () => {
    const own = `{\n  "mcp": { "exarp": { "type": "local", "command": ["npx", "exarp", "mcp"] } }\n}\n`;
    const p = repo({ "opencode.json": own });
    const r = p.run(["--opencode"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("opencode.json: mcp.exarp");
    expect(r.stderr).toContain("a second set of exarp tools");
    expect(p.read("opencode.json")).toBe(own);
    expect(existsSync(join(p.root, ".exarp"))).toBe(false);

    const bare = repo({ "opencode.json": '{ "plugin": ["opencode-exarp", "other-plugin"] }' });
    const refused = bare.run(["--opencode"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("fetches a plugin named any other way from the registry");
    const forced = bare.json(["--opencode", "--force"]);
    expect(forced.clients).toEqual(["opencode"]);
    const plugins = JSON.parse(bare.read("opencode.json")).plugin;
    expect(plugins).toHaveLength(2);
    expect(plugins[0]).toBe("other-plugin");
    expect(plugins[1]).toMatch(/opencode-exarp$/);
  });

  it("--opencode with --opencode-mcp is refused before anything is written", () => {
    const p = repo();
    const r = p.run(["--opencode", "--opencode-mcp"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("choose one of --opencode");
    expect(p.snapshot()).toEqual({});
  });
});

describe("exarp init: bad input changes nothing", () => {
  it.each([
    [".mcp.json", "{ // a comment\n}", "--claude-code", "it is not valid JSON (InvalidCommentToken at line 1)"],
    [".mcp.json", '{ "mcpServers": {}, }', "--claude-code", "it is not valid JSON"],
    [".mcp.json", "", "--claude-code", "it is empty"],
    [".mcp.json", "[]", "--claude-code", "it is not a JSON object"],
    [".mcp.json", '{ "mcpServers": [] }', "--claude-code", 'its "mcpServers" is not an object'],
    [".cursor/mcp.json", '{ "mcpServers": "x" }', "--cursor", 'its "mcpServers" is not an object'],
    [".zed/settings.json", "{ /* open", "--zed", "it is not valid JSONC"],
    ["opencode.json", '{ "plugin": "opencode-exarp" }', "--opencode", 'its "plugin" is not a list'],
    ["opencode.json", '{ "mcp": 1 }', "--opencode-mcp", 'its "mcp" is not an object'],
  ])("%s holding %j is refused for %s, and the folder stays as it was", (file, text, flag, says) => {
    const p = repo({ [file]: text });
    const before = p.snapshot();
    const r = p.run([flag]);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`nothing changed: ${file}: ${says}`);
    expect(p.snapshot()).toEqual(before);
  });

  it("never writes through a symbolic link, to a file or to a folder leading outside the project", () => {
    const outside = tempDir("exarp-outside-");
    writeFileSync(join(outside, "target.md"), "precious\n");
    const p = repo();
    mkdirSync(join(p.root, ".claude", "commands"), { recursive: true });
    symlinkSync(join(outside, "target.md"), join(p.root, ".claude", "commands", "next.md"));
    const r = p.run(["--claude-code"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".claude/commands/next.md: is a symbolic link");
    expect(readFileSync(join(outside, "target.md"), "utf8")).toBe("precious\n");

    const q = repo();
    symlinkSync(outside, join(q.root, ".cursor"));
    const out = q.run(["--cursor"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(".cursor/mcp.json: .cursor leads outside the project");
    expect(readdirSync(outside)).toEqual(["target.md"]);
  });

  it.each([
    ["--model", "sonnet\u001b[31m", "--claude-code", "contains a control character"],
    ["--model", "two words", "--claude-code", "without spaces"],
    ["--model", "x".repeat(201), "--claude-code", "1 to 200 characters"],
    ["--model", "claude-sonnet", "--opencode-mcp", "for OpenCode is provider/model"],
    ["--small-model", "", "--claude-code", "empty"],
  ])("%s %j with %s is refused with one line and nothing written", (flag, value, client, says) => {
    const p = repo();
    const r = p.run([client, flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(says);
    expect(p.snapshot()).toEqual({});
  });
});

describe("exarp init on a full disk", () => {
  // Like damage.test.ts: a real tmpfs, which a root process (CI, here) can mount; one that may not
  // says so and asserts it is not root.
  it("puts back what it had written when a later file does not fit: exit 3, the folder as it was", () => {
    const p = repo();
    const mnt = join(p.base, "mnt");
    mkdirSync(mnt);
    const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1048576", "tmpfs", mnt], { encoding: "utf8" });
    if (mount.status !== 0) {
      expect(process.getuid?.(), `running as root, but mount failed: ${mount.stderr}`).not.toBe(0);
      console.warn("init on a full disk not proven here (not root)");
      return;
    }
    try {
      const root = join(mnt, "repo");
      mkdirSync(join(root, ".git"), { recursive: true });
      const run = (args: string[]) =>
        spawnSync(process.execPath, [CLI, "init", ...args], {
          cwd: root,
          env: p.env,
          encoding: "utf8",
          timeout: 60_000,
        });
      expect(run([]).status).toBe(0);
      writeFileSync(join(root, ".mcp.json"), '{ "mcpServers": { "github": { "command": "gh-mcp" } } }\n');
      // What init manages: everything but the database and its journal files.
      const managed = () =>
        Object.fromEntries(Object.entries(snapshot(root)).filter(([f]) => !/^\.exarp\/exarp\.db/.test(f)));
      const before = managed();
      const outcomes: string[] = [];
      // Leave 1, 2, 3… blocks free: each time the disk fills at another step of the change.
      for (let free = 1; free <= 24; free++) {
        const { bavail, bsize } = statfsSync(mnt);
        writeFileSync(join(mnt, "ballast"), Buffer.alloc(Math.max(0, bavail - free) * bsize));
        const r = run(["--claude-code"]);
        rmSync(join(mnt, "ballast"));
        if (r.status === 0) {
          outcomes.push(`${free}: wired`);
          break;
        }
        expect(r.status, r.stdout + r.stderr).toBe(3);
        expect(managed(), `left behind with ${free} blocks free: ${r.stderr}`).toEqual(before);
        outcomes.push(`${free}: ${/disk full/.test(r.stderr) ? "disk full" : "database"}`);
      }
      console.log(`init on a filling disk, by free blocks: ${outcomes.join(", ")}`);
      // The disk filled while exarp's own files were being written, at least once, and was put back.
      expect(outcomes.filter((o) => o.endsWith("disk full")).length).toBeGreaterThan(0);
      expect(outcomes.at(-1)).toMatch(/wired$/);
    } finally {
      expect(spawnSync("umount", [mnt]).status).toBe(0);
    }
  });
});

describe("exarp init at a terminal", () => {
  /** Runs init in a real pseudo-terminal (util-linux `script`), answering each prompt once it shows. */
  async function atTerminal(root: string, env: NodeJS.ProcessEnv, answers: [RegExp, string][]) {
    const child = spawn(
      "script",
      ["-qfec", `stty cols 120 rows 40; exec "${process.execPath}" "${CLI}" init`, "/dev/null"],
      {
        cwd: root,
        env: { ...env, TERM: "xterm-256color" },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let screen = "";
    child.stdout.on("data", (d: Buffer) => {
      screen += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    for (const [prompt, keys] of answers) {
      const start = Date.now();
      while (!prompt.test(screen)) {
        if (Date.now() - start > 20_000) throw new Error(`prompt ${prompt} never showed:\n${screen}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      screen = "";
      child.stdin.write(keys);
    }
    const code = await exited;
    return { code, screen };
  }

  it("asks for the clients and models, then wires what was chosen", async () => {
    const p = repo({ ".cursor/rules.md": "" });
    const { code, screen } = await atTerminal(p.root, p.env, [
      [/Wire exarp into which clients/, "\u001b[B"], // down to Claude Code
      [/Claude Code/, " \r"], // pick it (Cursor is already picked: the project has .cursor/)
      [/Model for the exarp agents/, "opus\r"],
      [/Small model for \/waves/, "\r"],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toContain("Claude Code: exarp answered initialize");
    expect(screen).toContain("Cursor: exarp answered initialize");
    expect(p.read(".claude/agents/exarp-build.md")).toContain('model: "opus"');
    expect(p.read(".claude/commands/waves.md")).toContain('model: "opus"');
    expect(existsSync(join(p.root, ".cursor", "mcp.json"))).toBe(true);
  });

  it("Ctrl-C at a prompt changes nothing", async () => {
    const p = repo();
    const { code } = await atTerminal(p.root, p.env, [[/Wire exarp into which clients/, "\u0003"]]);
    expect(code).toBe(1);
    expect(p.snapshot()).toEqual({});
  });
});
