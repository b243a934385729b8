// The CLI as a user runs it: a real child process per command, on a real project folder.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exarp, exarpJson } from "./support/cli.ts";
import { tempDir } from "./support/temp.ts";

type Task = {
  id: string;
  status: string;
  version: number;
  title: string;
  dependsOn: string[];
  comments: { body: string }[];
};

function project(): string {
  const dir = tempDir();
  expect(exarp(dir, ["init"]).code).toBe(0);
  return dir;
}

/** A command whose `--json` answer is `{ "task": … }`. */
const task = (dir: string, args: string[], env?: NodeJS.ProcessEnv) => exarpJson<{ task: Task }>(dir, args, env).task;
const tasks = (dir: string, args: string[]) => exarpJson<{ tasks: Task[] }>(dir, args).tasks;

describe("exarp CLI", () => {
  it("runs a task through the workflow, with --json everywhere", () => {
    const dir = project();
    const a = task(dir, ["add", "Design schema", "-p", "high", "-t", "db,api", "-e", "45"]);
    expect(a).toMatchObject({ title: "Design schema", status: "todo", version: 1 });
    const b = task(dir, ["add", "Build API", "--depends-on", a.id]);
    expect(b.dependsOn).toEqual([a.id]);
    const agent = ["--as", "agent:build", "--session", "s1"];
    for (const verb of ["start", "review"]) task(dir, [verb, a.id, ...agent]);
    // The agent cannot finish its own work; a person's `done` approves and completes it.
    const refused = exarp(dir, ["done", a.id, ...agent]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs a person's approval before it is done/);
    expect(task(dir, ["done", a.id, "--as", "user:reviewer"]).status).toBe("done");
    exarpJson(dir, ["comment", a.id, "merged in #12"]);
    const shown = exarpJson<{ task: Task; history: unknown[] }>(dir, ["show", a.id]);
    expect(shown.task).toMatchObject({ status: "done", comments: [{ body: "merged in #12" }] });
    // created, started, moved to review + approval requested, approved + done, commented
    expect(shown.history).toHaveLength(7);
    expect(tasks(dir, ["list"]).map((t) => t.id)).toEqual([b.id]);
    expect(tasks(dir, ["list", "--all"]).map((t) => t.id)).toEqual([b.id, a.id]);
    expect(tasks(dir, ["list", "--status", "Done"]).map((t) => t.id)).toEqual([a.id]);
    const text = exarp(dir, ["show", a.id]).stdout;
    expect(text).toContain(`${a.id}  Design schema`);
    expect(text).toContain("merged in #12");
  });

  it("edits fields, tags and respects --expect-version", () => {
    const dir = project();
    const a = task(dir, ["add", "x", "-t", "a,b"]);
    const edited = exarpJson<{ task: Task & { tags: string[] } }>(dir, [
      "edit",
      a.id,
      "--title",
      "y",
      "--add-tag",
      "c",
      "--rm-tag",
      "a",
      "--expect-version",
      "1",
    ]).task;
    expect(edited).toMatchObject({ title: "y", tags: ["b", "c"], version: 2 });
    const stale = exarp(dir, ["edit", a.id, "--title", "z", "--expect-version", "1"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe(
      `exarp: ${a.id} is at version 2, not 1: it changed since you read it; read it again and retry\n`,
    );
  });

  it("acts as the agent and session from the environment or flags", () => {
    const dir = project();
    const a = task(dir, ["add", "x"], { EXARP_AGENT: "agent:build", EXARP_SESSION: "ses_9" });
    exarpJson(dir, ["start", a.id, "--as", "agent:plan", "--session", "ses_1"]);
    const { events } = exarpJson<{ events: { actor: string; session: string }[] }>(dir, ["history"]);
    expect(events.map((e) => [e.actor, e.session])).toEqual([
      ["agent:build", "ses_9"],
      ["agent:plan", "ses_1"],
    ]);
  });

  it("finds the project upward from a subfolder; init puts it at the repository root", () => {
    const dir = project();
    mkdirSync(join(dir, "src", "deep"), { recursive: true });
    exarpJson(join(dir, "src", "deep"), ["add", "from below"]);
    expect(tasks(dir, ["list"])).toHaveLength(1);
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "pkg"));
    expect(exarp(join(repo, "pkg"), ["add", "before init"]).code).toBe(3);
    expect(exarp(join(repo, "pkg"), ["init"]).code).toBe(0);
    exarpJson(join(repo, "pkg"), ["add", "in a repo"]);
    expect(readFileSync(join(repo, ".exarp", ".gitignore"), "utf8")).toContain("!config.json");
  });

  it("undoes, shows history and the audit trail, and passes doctor", () => {
    const dir = project();
    const a = task(dir, ["add", "x"]);
    exarpJson(dir, ["start", a.id]);
    const undone = exarp(dir, ["undo"]);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toContain("undid #2");
    expect(task(dir, ["show", a.id]).status).toBe("todo");
    const lastLine = exarp(dir, ["history"]).stdout.trimEnd().split("\n").at(-1);
    expect(lastLine).toMatch(/^#3 .* in progress → todo \(undo of #2\)$/);
    const { entries } = exarpJson<{ entries: { seq: number; type: string }[] }>(dir, [
      "audit",
      "--type",
      "task.status",
    ]);
    expect(entries.map((e) => e.seq)).toEqual([2, 3]);
    const doctor = exarp(dir, ["doctor"]);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/ok {4}chain: 3 events/);
  });

  it("exports and imports JSONL losslessly through files and stdin", () => {
    const dir = project();
    const a = task(dir, ["add", "x", "-d", "multi\nline"]);
    exarpJson(dir, ["comment", a.id, "note"]);
    const exported = exarp(dir, ["export"]).stdout;
    expect(exported.split("\n")[0]).toMatch(/^\{"kind":"exarp.export"/);
    const other = project();
    const imported = exarp(other, ["import", "-"], { input: exported });
    expect(imported.stdout).toBe("imported 1 tasks, 1 comments (restored the full history; 2 events)\n");
    expect(exarp(other, ["export"]).stdout.split("\n").slice(1)).toEqual(exported.split("\n").slice(1));
    exarp(dir, ["export", "--out", "snap.jsonl"]);
    const third = project();
    writeFileSync(join(third, "copy.jsonl"), readFileSync(join(dir, "snap.jsonl")));
    expect(exarp(third, ["import", "copy.jsonl"]).code).toBe(0);
  });

  it("seeds and shows the demo project (what `npm start` runs)", () => {
    const dir = tempDir();
    const demo = exarp(dir, ["demo", "--dir", dir]);
    expect(demo.code, demo.stderr).toBe(0);
    for (const section of [
      "== board",
      "== ready to start",
      "== leases",
      "== waiting for a person's approval",
      "== plan",
      "== history",
    ]) {
      expect(demo.stdout).toContain(section);
    }
    expect(exarpJson<{ approvals: unknown[] }>(dir, ["approvals"]).approvals).toHaveLength(1);
    expect(exarpJson<{ leases: unknown[] }>(dir, ["leases"]).leases).toHaveLength(1);
    expect(exarp(dir, ["doctor"]).code).toBe(0);
    const events = exarpJson<{ events: unknown[] }>(dir, ["history", "--limit", "1000"]).events.length;
    const again = exarp(dir, ["demo", "--dir", dir]);
    expect(again.stdout).toContain(`demo project: ${dir} (seeded before; shown as it is now)`);
    expect(exarpJson<{ events: unknown[] }>(dir, ["history", "--limit", "1000"]).events).toHaveLength(events);
  });

  it("prints help, per-command help and a version", () => {
    const dir = tempDir();
    expect(exarp(dir, []).stdout).toContain("usage: exarp <command>");
    expect(exarp(dir, ["help", "add"]).stdout).toContain("usage: exarp add TITLE|- [options]");
    expect(exarp(dir, ["add", "--help"]).stdout).toContain("--depends-on ID");
    expect(exarp(dir, ["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
