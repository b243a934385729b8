// The README is the front door: its examples are run here exactly as written, its CLI reference must
// match the CLI, and it must name the commands CI runs.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { markdownReference } from "../src/cli/help.ts";
import { commands } from "../src/cli/registry.ts";
import { CLI } from "./support/cli.ts";
import { freshPgUrl } from "./support/exarp.ts";
import { tempDir } from "./support/temp.ts";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const distIndex = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** The fenced code blocks of one language, in order. */
function blocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] as string);
}

/** A fresh git repository with `exarp` on PATH, an isolated HOME, and nothing inherited that names an identity. */
function sandbox() {
  const root = tempDir();
  const repo = join(root, "repo");
  const bin = join(root, "bin");
  mkdirSync(join(repo, ".git"), { recursive: true });
  mkdirSync(bin);
  const shim = join(bin, "exarp");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(shim, 0o755);
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: root,
    TMPDIR: process.env.TMPDIR,
    LANG: "C.UTF-8",
    // Team mode's example: a fresh schema on the run's throw-away PostgreSQL server.
    TEAM_DATABASE: freshPgUrl(),
  };
  return { repo, env };
}

describe("README", () => {
  it("runs every shell example in a fresh repository, each command succeeding as written", () => {
    const shell = blocks("sh").filter((b) => !/^npm /m.test(b));
    expect(shell.length).toBeGreaterThan(0);
    const { repo, env } = sandbox();
    for (const block of shell) {
      const run = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", block], {
        cwd: repo,
        env,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.status, `${block}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`).toBe(0);
      expect(run.stderr).toBe("");
    }
    // What the quick start claims happened, happened.
    const list = spawnSync("exarp", ["list", "--all", "--json"], { cwd: repo, env, encoding: "utf8" });
    const tasks = (JSON.parse(list.stdout) as { tasks: { title: string; status: string; priority: string }[] }).tasks;
    expect(tasks.map((t) => [t.title, t.status, t.priority])).toEqual([
      ["Invoice API", "todo", "medium"],
      ["Written through the API", "todo", "medium"],
      ["Design the invoices schema", "done", "high"],
    ]);
    // The task written over HTTP was written by the token's identity.
    const history = spawnSync("exarp", ["history", "--json"], { cwd: repo, env, encoding: "utf8" });
    const events = (JSON.parse(history.stdout) as { events: { type: string; actor: string }[] }).events;
    expect(events.filter((e) => e.type === "task.created").map((e) => e.actor)).toContain("agent:build");
  });

  it("runs the library example, which ends with a person's approval", () => {
    const [code] = blocks("ts");
    expect(code).toContain('from "exarp"');
    const { repo, env } = sandbox();
    spawnSync("exarp", ["init"], { cwd: repo, env });
    const script = join(repo, "example.mjs");
    writeFileSync(script, (code as string).replace('from "exarp"', `from ${JSON.stringify(distIndex)}`));
    const run = spawnSync(process.execPath, [script], { cwd: repo, env, encoding: "utf8", timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("approved by user:ana\napproved done\n");
  });

  it("shows JSON configuration that parses", () => {
    const json = blocks("json");
    expect(json.length).toBeGreaterThan(0);
    for (const block of json) expect(() => JSON.parse(block)).not.toThrow();
  });

  it("carries the CLI reference generated from the commands (run `npm run docs` after changing them)", () => {
    const block = readme.split("<!-- cli-reference:start -->")[1]?.split("<!-- cli-reference:end -->")[0]?.trim();
    expect(block).toBe(markdownReference());
  });

  it("names the set-up and test commands, and every verb", () => {
    for (const command of ["npm install", "npm start", "npm test"]) expect(readme).toContain(command);
    for (const c of commands) expect(readme).toContain(`exarp ${c.name}`);
  });

  it("keeps the CLI small: the verbs the issues name, and no more", () => {
    // 37, then run, worktrees (issue 13), sprint and schedule (issue 14).
    expect(commands.length).toBeLessThanOrEqual(41);
  });
});
