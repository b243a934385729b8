// The plugin's hooks against a real exarp project, with a recording stand-in for OpenCode's client
// (the end-to-end suites in test/ run the real OpenCode). Runs under Node and Bun.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hooks } from "@opencode-ai/plugin";
import { type Exarp, initProject } from "exarp";
import { afterEach, describe, expect, it } from "vitest";
import { openDriver } from "../../exarp/src/store/driver.ts";
import { recordingClient } from "../test/support/client.ts";
import { ExarpPlugin } from "./plugin.ts";
import { FIRST_MESSAGE_HEADING, REMINDER_PREFIX } from "./text.ts";

const made: string[] = [];
const open: { hooks: Hooks; exarp?: Exarp }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.hooks.dispose?.();
    o.exarp?.close();
  }
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "exarp-hooks-"));
  made.push(dir);
  return dir;
}

/** The plugin on `dir`, with a client that records what the plugin tells OpenCode. */
async function plugin(dir: string) {
  const { client, toasts, logs } = recordingClient();
  const prompts: { path: { id: string }; body: { parts: { text: string }[] } }[] = [];
  const record = async (request: (typeof prompts)[number]) => {
    prompts.push(request);
    return { data: [], response: { status: 200 } };
  };
  const summaries: string[] = [];
  const summarize = async ({ path }: { path: { id: string } }) => {
    summaries.push(path.id);
    return { data: true, response: { status: 200 } };
  };
  Object.assign(client.session, { prompt: record, promptAsync: record, summarize });
  const hooks = await ExarpPlugin({
    client,
    directory: dir,
    worktree: dir,
    project: {},
    serverUrl: new URL("http://localhost"),
    $: {},
  } as never);
  open.push({ hooks });
  await new Promise((r) => setTimeout(r, 10));
  return { hooks, toasts, logs, prompts, summaries };
}

/** A project with one task leased to session ses_main as agent:build. */
function project() {
  const dir = folder();
  const exarp = initProject(dir, { actor: { name: "user:ana", session: null } });
  open.push({ hooks: {}, exarp });
  const task = exarp.tasks.create({ title: "Fix the parser" });
  return { dir, exarp, task };
}

/** A session OpenCode announced (with `title`, or untitled), and its first user message. */
async function message(hooks: Hooks, sessionID: string, agent: string, title: string | null = "named") {
  const info = { id: sessionID, ...(title ? { title } : { title: "New session - 2026-12-01T11:13:43.083Z" }) };
  await hooks.event?.({ event: { type: "session.created", properties: { info } } as never });
  await hooks["chat.message"]?.(
    { sessionID } as never,
    {
      message: { id: `msg_${sessionID}`, sessionID, agent, model: { providerID: "mock", modelID: "m" } },
      parts: [],
    } as never,
  );
}

type Step = {
  info: { id: string; sessionID: string; role: string };
  parts: { id: string; type: string; text?: string }[];
};
const step = (sessionID: string, ...texts: string[]): Step[] =>
  texts.map((text, i) => ({
    info: { id: `msg_${sessionID}_${i}`, sessionID, role: i % 2 ? "assistant" : "user" },
    parts: [{ id: `prt_0a1b2c3d4e5${i}ABCDEFGHIJKLMN`, type: "text", text }],
  }));
const transform = async (hooks: Hooks, messages: Step[]) => {
  await hooks["experimental.chat.messages.transform"]?.({}, { messages } as never);
  return messages;
};
const texts = (m: Step | undefined) => (m?.parts ?? []).map((p) => p.text ?? "");

describe("the plugin without a usable project", () => {
  it("adds nothing at all where there is no .exarp/ folder", async () => {
    const { hooks, toasts, logs } = await plugin(folder());
    expect(Object.keys(hooks)).toEqual([]);
    expect(toasts).toEqual([]);
    expect(logs.join("\n")).toContain("no .exarp/ project here");
  });

  it("tells the person once, naming the cause, and adds nothing, when the database is damaged", async () => {
    const dir = folder();
    mkdirSync(join(dir, ".exarp"));
    writeFileSync(join(dir, ".exarp", "exarp.db"), "this is not a database, just garbage\n".repeat(50));
    const { hooks, toasts, logs } = await plugin(dir);
    // Nothing the model sees: only a way to tell the person once someone is at work.
    expect(Object.keys(hooks).sort()).toEqual(["dispose", "event"]);
    expect(toasts).toEqual([]);
    for (const type of ["session.created", "session.status", "session.idle"])
      await hooks.event?.({ event: { type, properties: {} } as never });
    expect(toasts).toHaveLength(1);
    expect(toasts[0]?.variant).toBe("error");
    expect(toasts[0]?.message).toMatch(/^exarp is off for this session: .*exarp\.db/);
    expect(logs).toContain(toasts[0]?.message);
  });
});

describe("the task summary in the first user message", () => {
  it("is computed once, shown on every step, and never in the compaction transcript or a sub-agent", async () => {
    const { dir, exarp, task } = project();
    const { hooks } = await plugin(dir);
    await message(hooks, "ses_main", "build");
    const first = await transform(hooks, step("ses_main", "hello"));
    expect(texts(first[0])[0]).toMatch(new RegExp(`^\\${FIRST_MESSAGE_HEADING}\\n.*${task.id}`, "s"));
    exarp.tasks.create({ title: "A later task" });
    const later = await transform(hooks, step("ses_main", "hello", "hi", "more"));
    expect(texts(later[0])[0]).toBe(texts(first[0])[0]);
    expect(later.slice(1).flatMap(texts).join("\n")).not.toContain(FIRST_MESSAGE_HEADING);

    await hooks["experimental.session.compacting"]?.({ sessionID: "ses_main" }, { context: [], prompt: undefined });
    const transcript = await transform(hooks, step("ses_main", "hello", "hi"));
    expect(transcript.flatMap(texts).join("\n")).not.toContain(FIRST_MESSAGE_HEADING);
    const after = await transform(hooks, step("ses_main", "hello", "hi"));
    expect(texts(after[0])[0]).toContain(FIRST_MESSAGE_HEADING);

    await message(hooks, "ses_sub", "general");
    const sub = await transform(hooks, step("ses_sub", "look around"));
    expect(sub.flatMap(texts)).toEqual(["look around"]);
  });
});

describe("the title request", () => {
  it("is made before the summary goes in, on an untitled session's first step", async () => {
    const { dir } = project();
    const { hooks } = await plugin(dir);
    await message(hooks, "ses_new", "build", null);
    let done = false;
    const first = step("ses_new", "hello");
    const transforming = transform(hooks, first).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done, "the summary waits for the title request").toBe(false);
    expect(texts(first[0])).toEqual(["hello"]);
    const title = { system: ["You are a title generator. You output ONLY a thread title."] };
    await hooks["experimental.chat.system.transform"]?.({ sessionID: "ses_new", model: {} as never }, title);
    await transforming;
    expect(title.system).toHaveLength(1);
    expect(texts(first[0])[0]).toContain(FIRST_MESSAGE_HEADING);
  });
});

describe("shells", () => {
  it("give every session an identity: primary ones their agent, sub-agents a sub-agent's", async () => {
    const { dir } = project();
    const { hooks } = await plugin(dir);
    await message(hooks, "ses_main", "build");
    await message(hooks, "ses_sub", "general");
    const env = async (sessionID?: string) => {
      const output = { env: {} as Record<string, string> };
      await hooks["shell.env"]?.({ cwd: dir, sessionID, callID: "c" }, output);
      return output.env;
    };
    expect(await env("ses_main")).toEqual({
      EXARP_PROJECT_ROOT: dir,
      EXARP_AGENT: "agent:build",
      EXARP_SESSION: "ses_main",
    });
    expect(await env("ses_sub")).toEqual({
      EXARP_PROJECT_ROOT: dir,
      EXARP_AGENT: "subagent:general",
      EXARP_SESSION: "ses_sub",
    });
    expect(await env("ses_never_seen")).toMatchObject({ EXARP_AGENT: "subagent:unknown" });
  });
});

describe("hooks while another process writes", () => {
  it("skip the lease renewal instead of waiting, and renew on a later call", async () => {
    const { dir, exarp, task } = project();
    const lease = exarp
      .as({ name: "agent:build", session: "ses_main" })
      .leases.claim({ taskId: task.id, ttlMs: 60_000 });
    if (!lease.acquired) throw new Error("claim failed");
    const { hooks } = await plugin(dir);
    await message(hooks, "ses_main", "build");
    const after = async () => {
      const output = { title: "", output: "file", metadata: {} };
      const started = performance.now();
      await hooks["tool.execute.after"]?.({ tool: "read", sessionID: "ses_main", callID: "c" } as never, output);
      return { ms: performance.now() - started, output: output.output };
    };
    const other = openDriver(join(dir, ".exarp", "exarp.db"), { create: false });
    other.exec("BEGIN IMMEDIATE");
    let blocked: Awaited<ReturnType<typeof after>>;
    try {
      blocked = await after();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(blocked.ms).toBeLessThan(250);
    expect(blocked.output).toContain(`${REMINDER_PREFIX} ${task.id} "Fix the parser" in progress`);
    expect(exarp.leases.list()[0]?.expiresAt).toBe(lease.lease.expiresAt);
    await after();
    expect(exarp.leases.list()[0]?.expiresAt).toBeGreaterThan(lease.lease.expiresAt);
  });
});

describe("runner mode", () => {
  /** A project with a task the runner works in session ses_run, and another ready task. */
  function runnerProject() {
    const { dir, exarp, task } = project();
    const other = exarp.tasks.create({ title: "Someone else's next task", priority: "high" });
    const waiting = exarp.tasks.create({ title: "Waits on the parser", dependsOn: [task.id] });
    const runner = exarp.as({ name: "agent:runner", session: "ses_run" });
    runner.runs.start(task.id, { attempt: 1, worktree: null, branch: null });
    return { dir, exarp, task, other, waiting, runner };
  }
  const system = async (hooks: Hooks, sessionID: string) => {
    const output = { system: ["You are opencode"] };
    await hooks["experimental.chat.system.transform"]?.({ sessionID, model: {} as never }, output);
    return output.system.slice(1).join("\n");
  };
  const tool = (hooks: Hooks, name: string, args: Record<string, unknown>, sessionID: string, agent = "build") => {
    const found = hooks.tool?.[name] as unknown as { execute(a: unknown, c: unknown): Promise<string> } | undefined;
    if (!found) throw new Error(`no tool ${name}`);
    return found.execute(args, {
      sessionID,
      agent,
      messageID: "m",
      callID: "c",
      abort: new AbortController().signal,
    });
  };

  it("gives a runner's session its own task only, as the lease holder, and a normal session the board", async () => {
    const { dir, exarp, task, other, waiting } = runnerProject();
    const { hooks } = await plugin(dir);
    await message(hooks, "ses_run", "build");
    await message(hooks, "ses_main", "build");

    const own = await system(hooks, "ses_run");
    expect(own).toContain("[exarp] You are an exarp runner session");
    expect(own).toContain(`task: ${task.id} [in progress] [medium] Fix the parser`);
    expect(own).toContain("held by agent:runner for this session");
    expect(own).toContain(`waiting on it: ${waiting.id}`);
    expect(own).not.toContain(other.id);
    expect(own).not.toMatch(/ready|exarp_next/i);
    expect(await system(hooks, "ses_main")).toContain(other.id);

    const first = await transform(hooks, step("ses_run", "work on the parser"));
    expect(first.flatMap(texts)).toEqual(["work on the parser"]);
    const compaction = { context: [] as string[], prompt: undefined };
    await hooks["experimental.session.compacting"]?.({ sessionID: "ses_run" }, compaction);
    expect(compaction.context.join("\n")).toContain(`task: ${task.id}`);
    expect(compaction.context.join("\n")).not.toContain(other.id);
    await transform(hooks, step("ses_run", "the compaction transcript"));

    const env = { env: {} as Record<string, string> };
    await hooks["shell.env"]?.({ cwd: dir, sessionID: "ses_run", callID: "c" }, env);
    expect(env.env).toMatchObject({ EXARP_AGENT: "agent:runner", EXARP_SESSION: "ses_run" });

    expect(await tool(hooks, "exarp_comment", { id: task.id, text: "parser fixed" }, "ses_run")).toBe(
      `Commented on ${task.id}.`,
    );
    expect(exarp.tasks.get(task.id).comments.at(-1)?.author).toBe("agent:runner");
    expect(await tool(hooks, "exarp_next", { claim: true }, "ses_run")).toMatch(/^You are a runner session/);
    expect(await tool(hooks, "exarp_run", {}, "ses_run")).toBe("A runner session cannot start a runner.");
    const command = { parts: [] as { text: string }[] };
    await hooks["command.execute.before"]?.({ command: "run", sessionID: "ses_run", arguments: "" }, command as never);
    expect(command.parts.map((p) => p.text)).toEqual(["A runner session cannot start a runner."]);
  });

  it("offers a runner's session no next task when it finishes, and keeps it a runner's after its record ends", async () => {
    const { dir, task, other, runner } = runnerProject();
    const { hooks, prompts } = await plugin(dir);
    await message(hooks, "ses_run", "build");
    expect(await tool(hooks, "exarp_move", { id: task.id, to: "review" }, "ses_run")).toMatch(/^The runner moves/);
    // The runner hands the task in from the session's last message, as `exarp run` does.
    runner.runs.finish(task.id, "fixed the parser");
    await hooks.event?.({ event: { type: "session.idle", properties: { sessionID: "ses_run" } } as never });
    expect(prompts).toEqual([]);
    // The record no longer says so (the attempt finished); the session stays a runner's.
    expect(runner.runs.sessionOf("ses_run")).toBeUndefined();
    const after = await system(hooks, "ses_run");
    expect(after).toContain("It is review: your work here is over. Stop.");
    expect(after).not.toContain(other.id);

    // The same steps in a normal session end with the follow-up offer.
    const mine = project();
    const next = mine.exarp.tasks.create({ title: "The next one" });
    const normal = await plugin(mine.dir);
    await message(normal.hooks, "ses_main", "build");
    await tool(normal.hooks, "exarp_lease", { id: mine.task.id }, "ses_main");
    await tool(normal.hooks, "exarp_move", { id: mine.task.id, to: "review" }, "ses_main");
    await normal.hooks.event?.({ event: { type: "session.idle", properties: { sessionID: "ses_main" } } as never });
    expect(normal.prompts.map((p) => p.body.parts[0]?.text)).toEqual([
      expect.stringContaining(`The next ready task is ${next.id}`),
    ]);
  });

  it("serves a runner's session whatever agent the runner chose, a sub-agent's included", async () => {
    const { dir, exarp, other } = runnerProject();
    exarp
      .as({ name: "agent:runner", session: "ses_gen" })
      .runs.start(other.id, { attempt: 1, worktree: null, branch: null });
    const { hooks } = await plugin(dir);
    await message(hooks, "ses_gen", "general");
    expect(await system(hooks, "ses_gen")).toContain(`task: ${other.id}`);
    expect(await tool(hooks, "exarp_comment", { id: other.id, text: "on it" }, "ses_gen", "general")).toBe(
      `Commented on ${other.id}.`,
    );
    expect(exarp.tasks.get(other.id).comments.at(-1)?.author).toBe("agent:runner");
  });

  it("leaves a runner's session alone between turns: no compaction of its own at 80 %, unlike a normal session", async () => {
    const { dir } = runnerProject();
    const { hooks, summaries } = await plugin(dir);
    const nearlyFull = async (sessionID: string) => {
      await message(hooks, sessionID, "build");
      await hooks["chat.params"]?.(
        {
          sessionID,
          agent: "build",
          model: { limit: { context: 1000, output: 100 } },
          provider: {},
          message: {},
        } as never,
        { temperature: 0, topP: 1, topK: 0, options: {} } as never,
      );
      const info = { role: "assistant", sessionID, agent: "build", time: { completed: 1 } };
      const tokens = { total: 850, input: 800, output: 50, reasoning: 0, cache: { read: 0, write: 0 } };
      await hooks.event?.({ event: { type: "message.updated", properties: { info: { ...info, tokens } } } as never });
      await hooks.event?.({ event: { type: "session.idle", properties: { sessionID } } as never });
    };
    await nearlyFull("ses_run");
    await nearlyFull("ses_main");
    expect(summaries).toEqual(["ses_main"]);
  });
});
