// Every bad input gets one clear line on stderr, a non-zero exit code, and changes nothing.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../src/store/sqlite.ts";
import { exarp, exarpJson } from "./support/cli.ts";
import { exportTaskLine } from "./support/expect.ts";
import { tempDir } from "./support/temp.ts";

const digest = (path: string) =>
  existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : "absent";

function seeded() {
  const dir = tempDir();
  exarp(dir, ["init"]);
  const a = exarpJson<{ task: { id: string } }>(dir, ["add", "first"]).task;
  const b = exarpJson<{ task: { id: string } }>(dir, ["add", "second", "--depends-on", a.id]).task;
  const c = exarpJson<{ task: { id: string } }>(dir, ["add", "third"]).task;
  exarpJson(dir, ["start", c.id]);
  writeFileSync(join(dir, "bad.jsonl"), '{"kind":"task","id":"T-x","title":""}\n');
  writeFileSync(join(dir, "garbage.jsonl"), "\u0000\u0001 not json at all\n");
  return { dir, a: a.id, b: b.id, c: c.id };
}

/** The number of events in the project's log, read directly. */
function logLength(dir: string): number {
  const store = openStore(join(dir, ".exarp", "exarp.db"));
  try {
    return store.maxSeq();
  } finally {
    store.close();
  }
}

/** Runs a bad command and checks: exit code, exactly one stderr line, nothing written to the log. */
function refused(dir: string, args: string[], code: number, message: RegExp, input?: string) {
  const before = logLength(dir);
  const r = exarp(dir, args, { input });
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^exarp: /);
  expect(lines[0]).toMatch(message);
  expect(logLength(dir)).toBe(before);
  const json = exarp(dir, [...args, "--json"], { input });
  expect(json.code).toBe(code);
  expect(JSON.parse(json.stderr).error.message).toMatch(message);
}

describe("bad input", () => {
  it("is refused with one line, a documented exit code and no write", () => {
    const { dir, a, b, c } = seeded();
    refused(dir, ["add", ""], 2, /title is empty/);
    refused(dir, ["add", "   "], 2, /title is empty/);
    refused(dir, ["add", "-"], 2, /title is longer than 500 characters/, "x".repeat(1024 * 1024));
    refused(dir, ["add", "x", "-p", "urgent"], 2, /unknown priority "urgent"/);
    refused(dir, ["add", "x", "--depends-on", "T-nope"], 1, /task T-nope not found/);
    refused(dir, ["add", "x", "-e", "soon"], 2, /--estimate must be a whole number/);
    refused(dir, ["add", "x", "-e", "-1"], 2, /--estimate: estimate must be 0 or more minutes/);
    refused(dir, ["add", "x", "-p", ""], 2, /--priority is empty/);
    refused(dir, ["add", "x", "-p", "high", "-p", "low"], 2, /--priority is given more than once/);
    refused(dir, ["add", "x", "-t", ""], 2, /--tag is empty/);
    refused(dir, ["add", "x", "-t", "a,,b"], 2, /--tag has an empty item/);
    refused(dir, ["add", "red \u001b[31mtext"], 2, /TITLE: title contains a control character \(U\+001B at 5\)/);
    refused(dir, ["add", "fake\nline"], 2, /title contains a line break/);
    refused(dir, ["add", "evil \u202e txt"], 2, /title contains a bidirectional control character \(U\+202E/);
    refused(dir, ["add", "x", "-t", "a\u009bb"], 2, /--tag: tag contains a control character \(U\+009B/);
    refused(dir, ["add", "x", "--as", ""], 2, /--as is empty/);
    refused(dir, ["add", "x", "--as", "a".repeat(101)], 2, /--as: identity is longer than 100 characters/);
    refused(dir, ["add", "x", "--as", "agent:\u001b]0;owned\u0007"], 2, /--as: identity contains a control character/);
    refused(
      dir,
      ["add", "x", "--as", "subagent:general"],
      1,
      /subagent:general is a sub-agent: sub-agents read tasks but change nothing/,
    );
    refused(dir, ["claim", a, "--ttl", "-5"], 2, /--ttl: ttl must be at least 1 s/);
    refused(dir, ["help", "nothing"], 2, /unknown command "nothing"/);
    refused(dir, ["show", "T-nope"], 1, /task T-nope not found/);
    refused(dir, ["show", "not an id"], 2, /task id may contain only/);
    refused(dir, ["start", "T-nope"], 1, /not found/);
    refused(dir, ["done", a], 1, /cannot move from todo to done; allowed from todo: in_progress, blocked, cancelled/);
    refused(dir, ["list", "--status", "finished"], 2, /unknown status "finished"/);
    refused(dir, ["dep", "add", a, a], 1, /cannot depend on itself/);
    refused(dir, ["dep", "add", a, b], 1, /would close a cycle: .* → .* → /);
    refused(dir, ["dep", "link", a, b], 2, /dep takes add or rm/);
    refused(dir, ["comment", a, ""], 2, /comment is empty/);
    refused(dir, ["undo", "abc"], 2, /undo takes an event number/);
    refused(dir, ["undo", "999"], 1, /event #999 not found/);
    refused(dir, ["import", "bad.jsonl"], 2, /line 1: .*title/);
    refused(dir, ["import", "garbage.jsonl"], 2, /line 1: not JSON/);
    refused(dir, ["import", "missing.jsonl"], 2, /cannot read missing.jsonl: ENOENT/);
    refused(dir, ["add"], 2, /missing arguments; usage: exarp add TITLE/);
    refused(dir, ["add", "a", "b"], 2, /unexpected argument "b"/);
    refused(dir, ["list", "--colour"], 2, /Unknown option '--colour'/);
    refused(dir, ["frobnicate"], 2, /unknown command "frobnicate"/);
    refused(dir, ["claim", "T-nope"], 1, /task T-nope not found/);
    refused(dir, ["claim", b], 1, /is not ready: it waits for/);
    refused(dir, ["claim", a, "--ttl", "0"], 2, /ttl must be at least 1 s/);
    refused(dir, ["claim", a, "--ttl", "soon"], 2, /--ttl must be a whole number/);
    refused(dir, ["renew", a], 1, /no longer valid/);
    refused(dir, ["release", a], 1, /is not leased/);
    refused(dir, ["approve", a], 1, /is todo, not in review/);
    refused(dir, ["deny", a], 2, /a denial needs a reason/);
    refused(dir, ["review", a, "--wait", "x"], 2, /--wait must be a whole number/);
    refused(dir, ["review", c, "--wait", "5", "--lease", "9"], 1, /your lease #9 on .* is no longer valid/);
    refused(dir, ["review", c, "--wait", "5", "--expect-version", "9"], 1, /is at version 2, not 9/);
    refused(dir, ["start", a, "--lease", "7"], 1, /your lease #7 on .* is no longer valid/);
  });

  it("answers outside any project with exit 3 and a hint, creating nothing", () => {
    const dir = tempDir();
    const r = exarp(dir, ["list"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`exarp: no exarp project in ${realpathSync(dir)} — run \`exarp init\`\n`);
    expect(existsSync(join(dir, ".exarp"))).toBe(false);
  });

  it("refuses a non-SQLite or corrupt database file without touching it", () => {
    const dir = tempDir();
    exarp(dir, ["init"]);
    const db = join(dir, ".exarp", "exarp.db");
    writeFileSync(db, "not a database\n".repeat(500));
    const before = digest(db);
    for (const args of [["list"], ["add", "x"], ["doctor"]]) {
      const r = exarp(dir, args);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`exarp: cannot use ${db}: not an SQLite database (or corrupt)\n`);
    }
    expect(digest(db)).toBe(before);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });

  it("reports a database damaged after its header as a storage error", () => {
    const { dir } = seeded();
    const tasks = Array.from({ length: 40 }, (_, i) =>
      exportTaskLine(`T-${i}`, "todo", [], { title: `task ${i} ${"x".repeat(400)}`, priority: "low" }),
    );
    expect(exarp(dir, ["import", "-"], { input: tasks.join("\n") }).code).toBe(0);
    const db = join(dir, ".exarp", "exarp.db");
    const bytes = readFileSync(db);
    bytes.fill(0xab, 4096, bytes.length);
    writeFileSync(db, bytes);
    for (const f of ["-wal", "-shm"]) if (existsSync(db + f)) writeFileSync(db + f, "");
    const r = exarp(dir, ["list", "--all"]);
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^exarp: (cannot use .*|database error: .*)(malformed|corrupt|not a database)/);
  });
});
