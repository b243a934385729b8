// `exarp run --worktree` against the real `opencode serve` and the mock model, in a real git
// repository: each task's edits land in its own worktree and branch, a dependent task starts from
// its approved blocker's branch, approved tasks' worktrees go, and nothing is left running. Then
// the runner starting OpenCode itself: the server dies with the runner, even under kill -9.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatRequest, lastMessage, type MockModel, startMockModel, textOf } from "./support/mock-model.ts";
import { eventually, OPENCODE_BIN, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";
import { descendants, progressOf, startRunner, taskOf } from "./support/runner.ts";

let mock: MockModel;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;

const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: setup.project, env: setup.env, encoding: "utf8" }).trim();
const worktrees = () =>
  git("worktree", "list", "--porcelain")
    .split("\n")
    .filter((l) => l.startsWith("worktree "));
const status = (id: string) => exarp.tasks.get(id).status;
const WORKTREE_LINE = "Work only in this folder (a git worktree of its own): ";

/** The model writes `<id>.txt` in the folder the prompt names, then sums up. */
function writer(id: string) {
  return [
    {
      name: `write ${id}`,
      when: (r: ChatRequest) => taskOf(r) === id && lastMessage(r)?.role === "user",
      reply: (r: ChatRequest) => {
        const prompt = textOf(r.messages.find((m) => m.role === "user"));
        const folder = (prompt.split(WORKTREE_LINE)[1] ?? "").split("\n")[0] ?? "";
        return { toolCalls: [{ name: "write", args: { filePath: join(folder, `${id}.txt`), content: `${id}\n` } }] };
      },
    },
    {
      name: `sum up ${id}`,
      when: (r: ChatRequest) => taskOf(r) === id && lastMessage(r)?.role === "tool",
      reply: { text: `Wrote ${id}.txt` },
    },
  ];
}

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock, { plugin: false });
  Object.assign(setup.env, {
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Ana",
    GIT_AUTHOR_EMAIL: "ana@example.test",
    GIT_COMMITTER_NAME: "Ana",
    GIT_COMMITTER_EMAIL: "ana@example.test",
  });
  git("init", "-q", "-b", "main");
  writeFileSync(join(setup.project, ".gitignore"), ".opencode/\n");
  writeFileSync(join(setup.project, "README.md"), "# shop\n");
  exarp = initProject(setup.project, { actor: { name: "user:ana", session: null } });
  git("add", "-A");
  git("commit", "-q", "-m", "start");
}, 60_000);

afterAll(async () => {
  exarp?.close();
  await mock?.close();
  setup?.cleanup();
});

describe("exarp run --worktree", () => {
  let oc: Served;
  beforeAll(async () => {
    oc = await serveOpenCode(setup.project, setup.env);
  }, 60_000);
  afterAll(async () => oc?.stop());

  it("gives each task its own worktree and branch, B starts from A's work, done worktrees go", async () => {
    const a = exarp.tasks.create({ title: "Schema" }).id;
    const c = exarp.tasks.create({ title: "Docs" }).id;
    const b = exarp.tasks.create({ title: "API", dependsOn: [a] }).id;
    mock.script(...writer(a), ...writer(c), ...writer(b));
    const before = { worktrees: worktrees().length, processes: descendants().length };
    const runner = startRunner(setup.project, setup.env, ["--url", oc.url, "--max", "2", "--worktree"]);
    try {
      await eventually(() => status(a) === "review" && status(c) === "review", 40_000, "A and C in review");
      // Each branch holds its own task's file, committed; main holds neither.
      expect(git("show", `exarp/${a}:${a}.txt`)).toBe(a);
      expect(git("show", `exarp/${c}:${c}.txt`)).toBe(c);
      expect(existsSync(join(setup.project, `${a}.txt`))).toBe(false);
      const comment = exarp.tasks.get(a).comments.at(-1)?.body ?? "";
      expect(comment).toContain(`Wrote ${a}.txt`);
      expect(comment).toContain(`Branch exarp/${a}`);
      expect(comment).toContain(`${a}.txt`);
      expect(worktrees()).toHaveLength(before.worktrees + 2);
      // B is built on A's approved work (its branch merged in), and without C's, which is only in review.
      exarp.approvals.approve({ taskId: a });
      await eventually(() => status(b) === "review", 30_000, "B in review");
      expect(git("show", `exarp/${b}:${a}.txt`)).toBe(a);
      expect(git("show", `exarp/${b}:${b}.txt`)).toBe(b);
      expect(() => git("show", `exarp/${b}:${c}.txt`)).toThrow();
      // Approved tasks' worktrees are removed (their branches stay, for whoever merges them).
      await eventually(() => !existsSync(join(setup.project, ".exarp", "worktrees", a)), 10_000, "A's worktree gone");
      exarp.approvals.approve({ taskId: b });
      exarp.approvals.approve({ taskId: c });
      await eventually(() => worktrees().length === before.worktrees, 10_000, "every worktree gone");
      expect(git("branch", "--list", "exarp/*").split("\n")).toHaveLength(3);
      // Said once each worktree and session is gone (the session goes last).
      await eventually(() => progressOf(runner, "cleaned").length === 3, 10_000, "three tasks cleaned up");
    } finally {
      runner.child.kill("SIGTERM");
      expect(await runner.exited).toBe(0);
    }
    expect(git("status", "--porcelain")).toBe("");
    expect(descendants().length).toBe(before.processes);
  }, 120_000);
});

describe("exarp run starting OpenCode itself", () => {
  beforeAll(() => {
    symlinkSync(OPENCODE_BIN, join(setup.project, "..", "bin", "opencode"));
  });

  const serverPort = (stderr: string) => /started opencode serve at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
  const listening = async (port: string) =>
    fetch(`http://127.0.0.1:${port}/session`, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );

  it("stops the server it started when it exits, and when it is killed with SIGKILL", async () => {
    const before = descendants().length;
    const d = exarp.tasks.create({ title: "Changelog" }).id;
    mock.script({ name: `work ${d}`, when: (r) => taskOf(r) === d, reply: { text: `Done ${d}` } });
    const first = startRunner(setup.project, setup.env, ["--until-idle"]);
    expect(await first.exited).toBe(0);
    expect(status(d)).toBe("review");
    const port = serverPort(first.stderr()) as string;
    expect(port).toBeDefined();
    expect(await listening(port)).toBe(false);
    expect(descendants().length).toBe(before);

    const e = exarp.tasks.create({ title: "Release notes" }).id;
    mock.script({ name: `slow ${e}`, when: (r) => taskOf(r) === e, reply: { text: "late", delayMs: 20_000 } });
    const second = startRunner(setup.project, setup.env, []);
    await eventually(() => progressOf(second, "started", e).length > 0, 30_000, "E started");
    const port2 = serverPort(second.stderr()) as string;
    expect(await listening(port2)).toBe(true);
    second.child.kill("SIGKILL");
    await second.exited;
    await eventually(async () => !(await listening(port2)), 10_000, "the server gone with its runner");
    await eventually(() => descendants().length === before, 10_000, "no process left");
    expect(readFileSync(join(setup.project, ".exarp", "runner-agent_runner.pid"), "utf8")).toMatch(/^\d+\n$/);
  }, 120_000);
});
