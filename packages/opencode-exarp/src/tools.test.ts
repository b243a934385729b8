// The tools' third layer of protection, their answers and their names, against a real exarp store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initProject, SHORT_BUSY_TIMEOUT_MS } from "exarp";
import { afterEach, describe, expect, it } from "vitest";
// The MCP server's own tool list and SQLite driver, from the core's source: what OpenCode would name
// `exarp_<tool>` when `exarp mcp` is wired in too, and a second connection to hold the write lock.
import { TOOLS as MCP_TOOLS } from "../../exarp/src/mcp/server.ts";
import { openDriver } from "../../exarp/src/store/driver.ts";
import { firstUnsafe } from "../../exarp/src/text/safe.ts";
import type { SessionMode } from "./runner-mode.ts";
import { BUSY, SUBAGENT_REFUSAL, TOOL } from "./text.ts";
import { createTools, MUTATING_TOOLS } from "./tools.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(busyRetryMs = 3_000) {
  const dir = mkdtempSync(join(tmpdir(), "exarp-tools-"));
  made.push(dir);
  const exarp = initProject(dir, { actor: { name: "user:ana", session: null }, busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS });
  const finished: string[] = [];
  /** Sessions that are a runner's (runner mode), and the runs started. */
  const runners = new Map<string, string>();
  const started: (number | undefined)[] = [];
  const modeOf = (session: string): SessionMode => {
    const taskId = runners.get(session);
    return taskId ? { kind: "runner", taskId, actor: { name: "agent:runner", session } } : { kind: "normal" };
  };
  const tools = createTools({
    exarp: () => exarp,
    actorOf: (session, agent) => {
      const mode = modeOf(session);
      if (mode.kind === "runner") return mode.actor;
      return { name: agent === "general" ? `subagent:${agent}` : `agent:${agent}`, session };
    },
    isSubagent: (_session, agent) => agent === "general",
    modeOf,
    startRunner: async (max) => {
      started.push(max);
      return `started ${max ?? "default"}`;
    },
    finished: (_s, id) => finished.push(id),
    tokens: new Map(),
    busyRetryMs,
  });
  const call = (name: keyof typeof tools, args: Record<string, unknown>, agent = "build", sessionID = "ses_1") =>
    (tools[name] as { execute(a: unknown, c: unknown): Promise<string> }).execute(args, {
      sessionID,
      agent,
      messageID: "m",
      callID: "c",
      abort: new AbortController().signal,
    });
  /** Holds the write lock from another connection until the returned function is called. */
  const lock = () => {
    const other = openDriver(join(dir, ".exarp", "exarp.db"), { create: false });
    other.exec("BEGIN IMMEDIATE");
    return () => {
      other.exec("ROLLBACK");
      other.close();
    };
  };
  return { exarp, tools, call, finished, lock, runners, started };
}

describe("plugin tools", () => {
  it("never share a name with the exarp MCP server's tools as OpenCode names them (exarp_<tool>)", () => {
    const { tools } = setup();
    const plugin = Object.keys(tools);
    const mcp = MCP_TOOLS.map((t) => `exarp_${t.name}`);
    expect(mcp).toEqual(expect.arrayContaining(["exarp_tasks", "exarp_claim", "exarp_prime"]));
    expect(plugin.filter((name) => mcp.includes(name))).toEqual([]);
    expect(plugin.sort()).toEqual(Object.values(TOOL).sort());
    for (const name of MUTATING_TOOLS) expect(plugin).toContain(name);
  });

  it("refuses task changes from a sub-agent inside execute (the last of three layers)", async () => {
    const { exarp, call } = setup();
    const t = exarp.tasks.create({ title: "x" });
    expect(await call(TOOL.lease, { id: t.id }, "general")).toBe(SUBAGENT_REFUSAL);
    expect(await call(TOOL.move, { id: t.id, to: "in_progress" }, "general")).toBe(SUBAGENT_REFUSAL);
    expect(await call(TOOL.add, { title: "sneaky" }, "general")).toBe(SUBAGENT_REFUSAL);
    expect(exarp.tasks.get(t.id).status).toBe("todo");
    expect(exarp.tasks.list()).toHaveLength(1);
    expect(await call(TOOL.board, {}, "general")).toContain(t.id);
  });

  it("claims, fences writes with the granted token, and refuses done without approval", async () => {
    const { exarp, call, finished } = setup();
    const t = exarp.tasks.create({ title: "x" });
    expect(await call(TOOL.lease, { id: t.id })).toMatch(/^Claimed: T-\w+ \(lease #\d+/);
    expect(await call(TOOL.lease, { id: t.id }, "build", "ses_2")).toBe(
      `Not yours: ${t.id} is held by agent:build/ses_1. Pick another task (${TOOL.next}).`,
    );
    expect(await call(TOOL.move, { id: t.id, to: "review" })).toBe(
      `${t.id} is in review; a person approves or denies it, and you will be told.`,
    );
    expect(finished).toEqual([t.id]);
    expect(await call(TOOL.move, { id: t.id, to: "done" })).toMatch(new RegExp(`^Refused: .*${t.id}.*approv`));
    expect(exarp.tasks.get(t.id).status).toBe("review");
  });

  it("answers a stale lease with a clear refusal once someone else took the task", async () => {
    const { exarp, call } = setup();
    const t = exarp.tasks.create({ title: "x" });
    await call(TOOL.lease, { id: t.id });
    exarp.as({ name: "user:ana", session: null }).leases.release({ taskId: t.id, force: true });
    exarp.as({ name: "agent:other", session: "ses_9" }).leases.claim({ taskId: t.id });
    expect(await call(TOOL.move, { id: t.id, to: "review" })).toMatch(
      /^Refused: your lease #\d+ on T-\w+ is no longer valid \(lease #\d+ holds it now\); claim the task again$/,
    );
  });

  it("shows a task's latest history, as its description promises", async () => {
    const { exarp, call } = setup();
    const t = exarp.tasks.create({ title: "Fix the parser" });
    exarp.tasks.comment({ taskId: t.id, body: "looked at it" });
    await call(TOOL.lease, { id: t.id });
    const shown = (await call(TOOL.board, { id: t.id })).split("\n");
    const history = shown.slice(shown.indexOf("latest history:") + 1);
    expect(history).toEqual([
      expect.stringMatching(new RegExp(`^- #\\d+ user:ana: ${t.id} created: Fix the parser$`)),
      expect.stringMatching(new RegExp(`^- #\\d+ user:ana: ${t.id} comment: looked at it$`)),
      expect.stringMatching(
        new RegExp(`^- #\\d+ agent:build: ${t.id} claimed by agent:build/ses_1 \\(lease #\\d+\\)$`),
      ),
      expect.stringMatching(new RegExp(`^- #\\d+ agent:build: ${t.id} todo → in progress \\(claimed\\)$`)),
    ]);
    expect(shown).toContain("comment by user:ana: looked at it");
    expect((await call(TOOL.board, {})).split("\n")).toEqual([`${t.id} [in progress] [medium] Fix the parser`]);
  });

  it("neutralises every imported field it shows (titles, descriptions, comments, identities)", async () => {
    const { exarp, call } = setup();
    const task = {
      kind: "task",
      id: "T-evil",
      title: "Evil \u001b]0;pwned\u0007 title \u202etxt.exe",
      description: "line one\nline two \u001b[31mred",
      status: "todo",
      priority: "high",
      tags: ["x\u001by"],
      parentId: null,
      estimate: null,
      assignee: null,
      createdAt: 1,
      updatedAt: 1,
      version: 1,
      dependsOn: [],
    };
    const comment = {
      kind: "comment",
      id: "c-1",
      taskId: "T-evil",
      body: "see \u2028 here",
      author: "user:\u202emallory",
      createdAt: 2,
    };
    exarp.transfer.importText([JSON.stringify(task), JSON.stringify(comment)].join("\n"));
    const outputs = [
      await call(TOOL.board, { id: "T-evil" }),
      await call(TOOL.board, {}),
      await call(TOOL.next, {}),
      await call(TOOL.context, {}),
    ];
    for (const out of outputs) {
      expect(out).toContain("T-evil");
      expect(firstUnsafe(out, true)).toBeUndefined();
    }
    expect(outputs[0]).toContain("Evil \\x1b]0;pwned\\x07 title \\u202etxt.exe");
    expect(outputs[0]).toContain("line one\nline two \\x1b[31mred");
    expect(outputs[0]).toContain("comment by user:\\u202emallory: see here");
  });

  it("says how many tasks a shortened board leaves out, exactly", async () => {
    const { exarp, call } = setup();
    for (let i = 0; i < 57; i++) exarp.tasks.create({ title: `task ${i}`, tags: i % 2 ? ["odd"] : [] });
    exarp.tasks.create({ title: "closed" });
    const [last] = exarp.tasks.list({ text: "closed" });
    exarp.tasks.setStatus({ id: last?.id as string, to: "cancelled" });
    const open = (await call(TOOL.board, {})).split("\n");
    expect(open).toHaveLength(51);
    expect(open.at(-1)).toBe("+7 more; narrow with status, tag or text");
    expect((await call(TOOL.board, { status: "all" })).split("\n").at(-1)).toBe(
      "+8 more; narrow with status, tag or text",
    );
    expect((await call(TOOL.board, { tag: "odd" })).split("\n")).toHaveLength(28);
    expect((await call(TOOL.board, { text: "task" })).split("\n").at(-1)).toBe(
      "+7 more; narrow with status, tag or text",
    );
  });

  it("retries a write another process blocks without blocking the event loop, then says busy", async () => {
    const { exarp, call, lock } = setup(150);
    const release = lock();
    let gaps = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      gaps = Math.max(gaps, performance.now() - last);
      last = performance.now();
    }, 5);
    try {
      expect(await call(TOOL.add, { title: "blocked" })).toBe(BUSY);
    } finally {
      clearInterval(ticker);
      release();
    }
    expect(gaps).toBeLessThan(SHORT_BUSY_TIMEOUT_MS * 4);
    expect(exarp.tasks.list()).toEqual([]);
    expect(await call(TOOL.add, { title: "free" })).toMatch(/^Created T-\w+ \[todo\] \[medium\] free\.$/);
  });

  it("succeeds once the other writer lets go within the retry window", async () => {
    const { exarp, call, lock } = setup(3_000);
    const release = lock();
    setTimeout(release, 200);
    expect(await call(TOOL.add, { title: "patient" })).toMatch(/^Created T-\w+ .* patient\.$/);
    expect(exarp.tasks.list().map((t) => t.title)).toEqual(["patient"]);
  });

  it("keep a runner session to its own task: no ready queue, no other claims, its context only, its lease", async () => {
    const { exarp, call, runners, finished } = setup();
    const own = exarp.tasks.create({ title: "Own task" });
    const other = exarp.tasks.create({ title: "Other task" });
    runners.set("ses_r", own.id);
    const onlyYours = `You are a runner session: your task is ${own.id} and nothing else. Finish it, then end with your summary.`;
    expect(await call(TOOL.next, {}, "build", "ses_r")).toBe(onlyYours);
    expect(await call(TOOL.next, { claim: true }, "build", "ses_r")).toBe(onlyYours);
    expect(await call(TOOL.lease, { id: other.id }, "build", "ses_r")).toBe(onlyYours);
    expect(await call(TOOL.move, { id: other.id, to: "cancelled" }, "build", "ses_r")).toBe(onlyYours);
    expect(exarp.leases.list()).toEqual([]);
    expect(exarp.tasks.get(other.id).status).toBe("todo");

    expect(await call(TOOL.lease, { id: own.id }, "build", "ses_r")).toMatch(/^Claimed: /);
    expect(exarp.leases.list()[0]).toMatchObject({ taskId: own.id, agent: "agent:runner", session: "ses_r" });
    const context = await call(TOOL.context, {}, "build", "ses_r");
    expect(context).toContain(`task: ${own.id} [in progress]`);
    expect(context).toContain("held by agent:runner for this session");
    expect(context).not.toContain(other.id);
    await call(TOOL.comment, { id: own.id, text: "done the thing" }, "build", "ses_r");
    expect(exarp.tasks.get(own.id).comments.map((c) => c.author)).toEqual(["agent:runner"]);
    // The runner hands the task in (from the session's last message): the session cannot.
    for (const to of ["review", "done", "blocked", "todo", "cancelled"])
      expect(await call(TOOL.move, { id: own.id, to }, "build", "ses_r")).toMatch(
        /^The runner moves your task and holds its lease: when you are done, end your turn with a short summary/,
      );
    expect(await call(TOOL.lease, { id: own.id, release: true }, "build", "ses_r")).toMatch(/^The runner moves/);
    expect(exarp.tasks.get(own.id).status).toBe("in_progress");
    expect(exarp.leases.list()).toHaveLength(1);
    expect(finished).toEqual([]);
    // A normal session still sees the queue.
    expect(await call(TOOL.next, {}, "build", "ses_1")).toContain(other.id);
  });

  it("exarp_run starts a runner from a primary session only: never from a sub-agent or a runner session", async () => {
    const { call, runners, started } = setup();
    runners.set("ses_r", "T-1");
    expect(await call(TOOL.run, { max: 3 })).toBe("started 3");
    expect(await call(TOOL.run, {})).toBe("started default");
    expect(await call(TOOL.run, {}, "general")).toBe(SUBAGENT_REFUSAL);
    expect(await call(TOOL.run, {}, "build", "ses_r")).toBe("A runner session cannot start a runner.");
    expect(started).toEqual([3, undefined]);
  });
});
