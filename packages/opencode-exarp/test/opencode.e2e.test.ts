// The plugin inside the real OpenCode (opencode-ai 1.18.33), offline, against a mock model that
// records what the model receives. Assertions are on those requests and on the shared database.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isCompaction,
  isTitle,
  lastMessage,
  type MockModel,
  startMockModel,
  systemText,
  textOf,
} from "./support/mock-model.ts";
import { EXARP_CLI, eventually, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

const CLI = EXARP_CLI;
const CONTEXT_MARK = "exarp tasks:";
const SYNTHETIC_MARK = "[exarp] Task state at the start of this session:";
const REMINDER_MARK = "[exarp] your tasks:";
const SYSTEM_MARK = "You share an exarp task graph";
/** The person at this keyboard, as the system names this uid (never from $USER). */
const PERSON = `user:${spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim() || `uid-${process.getuid?.()}`}`;

let mock: MockModel;
let oc: Served;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;
const ids = { schema: "", api: "", docs: "" };

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock);
  exarp = initProject(setup.project, { actor: { name: "user:ana", session: null } });
  ids.schema = exarp.tasks.create({ title: "Design the schema", priority: "high", estimate: 30 }).id;
  ids.api = exarp.tasks.create({ title: "Build the API", dependsOn: [ids.schema] }).id;
  ids.docs = exarp.tasks.create({ title: "Write the docs", priority: "low" }).id;
  oc = await serveOpenCode(setup.project, setup.env);
}, 60_000);

afterAll(async () => {
  await oc?.stop();
  exarp?.close();
  await mock?.close();
  setup?.cleanup();
});

const forSession = (id: string) => mock.requests.filter((r) => r.session === id && !isTitle(r));

/** The stored message of a session that has a part containing `text`, if any. */
async function storedMessage(sessionID: string, text: string) {
  const stored = await oc.client.session.messages({ path: { id: sessionID } });
  return (stored.data ?? []).find((m) => (m.parts as { text?: string }[]).some((p) => p.text?.includes(text)));
}

async function newSession(title: string): Promise<string> {
  const s = await oc.client.session.create({ body: { title } });
  return (s.data as { id: string }).id;
}

async function prompt(sessionID: string, text: string, agent?: string): Promise<void> {
  const r = await oc.client.session.prompt({
    path: { id: sessionID },
    body: { parts: [{ type: "text", text }], ...(agent ? { agent } : {}) },
  });
  expect(r.response.status).toBe(200);
}

describe("exarp inside the real OpenCode", () => {
  it("puts the task context in a primary session's system prompt, and not in a sub-agent's", async () => {
    mock.script(
      {
        name: "spawn",
        when: (r) => textOf(lastMessage(r)).includes("look around"),
        reply: {
          toolCalls: [
            {
              name: "task",
              args: { description: "inspect", prompt: "SUBAGENT_WORK list the files", subagent_type: "general" },
            },
          ],
        },
      },
      { name: "sub", when: (r) => textOf(lastMessage(r)).includes("SUBAGENT_WORK"), reply: { text: "nothing here" } },
    );
    const id = await newSession("subagents");
    await prompt(id, "look around");
    const main = forSession(id);
    expect(systemText(main[0] as (typeof main)[number])).toContain(CONTEXT_MARK);
    expect(systemText(main[0] as (typeof main)[number])).toContain(ids.schema);
    const sub = mock.requests.find((r) => textOf(lastMessage(r)).includes("SUBAGENT_WORK"));
    expect(sub, "the sub-agent ran").toBeDefined();
    expect(sub?.session).not.toBe(id);
    expect(systemText(sub as NonNullable<typeof sub>)).not.toContain(CONTEXT_MARK);
    expect(JSON.stringify(sub?.messages)).not.toContain(SYNTHETIC_MARK);
    const tools = (r: typeof sub) => (r?.tools ?? []).map((t) => t.function.name);
    expect(tools(main[0])).toEqual(expect.arrayContaining(["exarp_lease", "exarp_move", "exarp_board"]));
    expect(tools(sub).filter((t) => ["exarp_lease", "exarp_move", "exarp_comment", "exarp_add"].includes(t))).toEqual(
      [],
    );
  });

  it("shows the summary first in the first user message on every request, but never to the title model or in storage", async () => {
    // No title given: OpenCode asks the small model for one, concurrently with the first request.
    const id = ((await oc.client.session.create({ body: {} })).data as { id: string }).id;
    await prompt(id, "first");
    await prompt(id, "second");
    const requests = forSession(id);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    const summaries = requests.map((r) => {
      const user = r.messages.find((m) => m.role === "user");
      const parts = (Array.isArray(user?.content) ? user.content : [{ text: textOf(user) }]) as { text?: string }[];
      expect(parts[0]?.text?.startsWith(SYNTHETIC_MARK), "the summary comes first").toBe(true);
      expect(JSON.stringify(r.messages).split(SYNTHETIC_MARK)).toHaveLength(2);
      return parts[0]?.text;
    });
    expect(summaries[0]).toContain(ids.schema);
    expect(new Set(summaries).size, "the same text on every request of the session").toBe(1);
    const title = await eventually(
      () => mock.requests.find((r) => r.session === id && isTitle(r)),
      20_000,
      "the title request",
    );
    expect(title.model).toBe("mock-small");
    const asked = JSON.stringify(title.body);
    for (const mark of [SYNTHETIC_MARK, CONTEXT_MARK, SYSTEM_MARK, REMINDER_MARK, ids.schema, "exarp_"])
      expect(asked, `the title request holds ${mark}`).not.toContain(mark);
    expect(asked).toContain("first");
    const stored = await oc.client.session.messages({ path: { id } });
    expect(JSON.stringify(stored.data)).not.toContain(SYNTHETIC_MARK);
    expect(JSON.stringify(stored.data)).not.toContain(CONTEXT_MARK);
  });

  it("lets the model claim and hand in work through its tools, reminds it in tool output, and offers the next task", async () => {
    mock.script(
      {
        name: "claim",
        when: (r) => textOf(lastMessage(r)).includes("take the schema"),
        reply: { toolCalls: [{ name: "exarp_lease", args: { id: ids.schema } }] },
      },
      {
        name: "review",
        when: (r) => lastMessage(r)?.role === "tool" && textOf(lastMessage(r)).includes("Claimed"),
        reply: { toolCalls: [{ name: "exarp_move", args: { id: ids.schema, to: "review" } }] },
      },
      {
        name: "after",
        when: (r) => lastMessage(r)?.role === "tool" && textOf(lastMessage(r)).includes("in review"),
        reply: { text: "handed in" },
      },
      {
        name: "follow",
        when: (r) => textOf(lastMessage(r)).includes("The next ready task is"),
        reply: { text: "I will stop here." },
      },
    );
    const id = await newSession("work");
    await prompt(id, "take the schema");
    const requests = forSession(id);
    const afterClaim = requests.find(
      (r) => lastMessage(r)?.role === "tool" && textOf(lastMessage(r)).includes("Claimed"),
    );
    expect(textOf(lastMessage(afterClaim as NonNullable<typeof afterClaim>))).toContain(
      `${REMINDER_MARK} ${ids.schema} "Design the schema" in progress`,
    );
    // Read back from the shared database, as any other process would see it.
    expect(exarp.tasks.get(ids.schema).status).toBe("review");
    const pending = exarp.approvals.pending();
    expect(pending).toEqual([
      expect.objectContaining({ taskId: ids.schema, requestedBy: "agent:build", requestedSession: id }),
    ]);
    const follow = await eventually(
      () => forSession(id).find((r) => textOf(lastMessage(r)).includes("The next ready task is")),
      20_000,
      "the follow-up prompt",
    );
    expect(textOf(lastMessage(follow))).toContain(ids.docs);
    expect(follow.model).toBe("mock-model");
    const offer = await storedMessage(id, "The next ready task is");
    expect(offer?.info).toMatchObject({
      role: "user",
      agent: "build",
      model: { providerID: "mock", modelID: "mock-model" },
    });
  });

  it("tells the session, silently and with its own agent and model, when a person decides elsewhere", async () => {
    const sessionID = exarp.approvals.pending()[0]?.requestedSession as string;
    run(["approve", ids.schema, "--as", "user:reviewer", "--note", "solid"]);
    const message = await eventually(
      () => storedMessage(sessionID, `${ids.schema} was approved by user:reviewer`),
      20_000,
      "the decision note",
    );
    expect(message.info).toMatchObject({
      role: "user",
      agent: "build",
      model: { providerID: "mock", modelID: "mock-model" },
    });
    await eventually(
      () =>
        oc.events.find(
          (e) =>
            e.type === "tui.toast.show" &&
            JSON.stringify(e.properties).includes(`${ids.schema} approved by user:reviewer`),
        ),
      10_000,
      "the toast",
    );
  });

  it("pushes the task state into compaction, and compacts at 80 % without racing OpenCode's own trigger", async () => {
    const id = await newSession("compact");
    await prompt(id, "hello");
    await oc.client.session.summarize({ path: { id }, body: { providerID: "mock", modelID: "mock-model" } });
    const compaction = await eventually(() => forSession(id).find(isCompaction), 20_000, "a compaction request");
    const transcript = JSON.stringify(compaction.messages);
    expect(transcript.split("Task state to keep after compaction (from exarp)")).toHaveLength(2);
    expect(transcript.split(CONTEXT_MARK)).toHaveLength(2);
    expect(transcript).not.toContain(SYNTHETIC_MARK);

    mock.script({
      name: "big",
      when: (r) => textOf(lastMessage(r)).includes("use many tokens"),
      reply: { text: "lots", usage: { prompt: 17_000, completion: 10 } },
    });
    const busy = await newSession("eighty");
    await prompt(busy, "use many tokens");
    const auto = await eventually(() => forSession(busy).find(isCompaction), 20_000, "a compaction at 80 %");
    expect(JSON.stringify(auto.messages)).toContain("Task state to keep after compaction (from exarp)");
    // The plugin's own request (OpenCode's trigger is 20000 − 2000 = 18000 > 17010): no auto-continue follows it.
    await new Promise((r) => setTimeout(r, 500));
    expect(forSession(busy).some((r) => JSON.stringify(r.messages).includes("Continue if you have next steps"))).toBe(
      false,
    );
  });

  it("turns a model that keeps failing into a toast and an OS notification with the real error text, once", async () => {
    mock.script({
      name: "fail",
      when: (r) => textOf(lastMessage(r)).includes("please fail"),
      reply: { error: 500, retryAfterMs: 5 },
      times: 6,
    });
    const id = await newSession("errors");
    await prompt(id, "please fail");
    await eventually(
      () => oc.events.find((e) => e.type === "session.error" && JSON.stringify(e.properties).includes(id)),
      30_000,
      "session.error",
    );
    const toast = await eventually(
      () =>
        oc.events.find(
          (e) =>
            e.type === "tui.toast.show" && JSON.stringify(e.properties).includes("mock model failed with HTTP 500"),
        ),
      10_000,
      "the error toast",
    );
    expect(JSON.stringify(toast.properties)).not.toContain("[object Object]");
    const notified = await eventually(() => readIf(join(setup.scratch, "notify.log")), 10_000, "the OS notification");
    expect(notified.match(/mock model failed with HTTP 500/g)).toHaveLength(1);
  });

  it("warns a session, silently, before its lease runs out", async () => {
    const id = await newSession("lease");
    await prompt(id, "hello");
    const task = exarp.tasks.create({ title: "Short lease" });
    exarp.as({ name: "agent:build", session: id }).leases.claim({ taskId: task.id, ttlMs: 90_000 });
    const note = await eventually(
      () => storedMessage(id, `Your lease on ${task.id} expires in`),
      20_000,
      "the lease note",
    );
    expect(note.info).toMatchObject({
      role: "user",
      agent: "build",
      model: { providerID: "mock", modelID: "mock-model" },
    });
    exarp.as({ name: "agent:build", session: id }).leases.release({ taskId: task.id });
  });

  it("answers the slash commands: /tasks shows the work, /approve decides as the person at the keyboard", async () => {
    const id = await newSession("commands");
    await oc.client.session.command({ path: { id }, body: { command: "tasks", arguments: "" } });
    const shown = forSession(id).at(-1) as (typeof mock.requests)[number];
    expect(JSON.stringify(shown.messages)).toContain(`${ids.docs} [todo] [low] Write the docs`);
    const review = exarp.tasks.create({ title: "Needs a look" });
    const agent = exarp.as({ name: "agent:build", session: "ses_other" });
    agent.leases.claim({ taskId: review.id });
    agent.tasks.setStatus({ id: review.id, to: "review" });
    await oc.client.session.command({ path: { id }, body: { command: "approve", arguments: review.id } });
    expect(exarp.tasks.get(review.id).status).toBe("done");
    // The person resolved from the uid, although OpenCode runs here (under Bun) without $USER.
    expect(setup.env.USER).toBeUndefined();
    expect(JSON.stringify(forSession(id).at(-1)?.messages)).toContain(`${PERSON} approved ${review.id}; it is done.`);
    expect(exarp.approvals.latest(review.id)).toMatchObject({ state: "approved", decidedBy: PERSON });
    await oc.client.session.command({ path: { id }, body: { command: "waves", arguments: "" } });
    expect(JSON.stringify(forSession(id).at(-1)?.messages)).toContain("critical path");
  });

  it("gives plan agents the waves and the critical path", async () => {
    const id = await newSession("plan");
    await prompt(id, "what next", "plan");
    const first = forSession(id)[0] as (typeof mock.requests)[number];
    expect(systemText(first)).toContain("Plan:");
    expect(systemText(first)).toContain("critical path");
    expect(first.body).not.toHaveProperty("reasoning_effort");
  });

  it("exports the session's identity to the shell, so the exarp CLI acts as that session", async () => {
    mock.script({
      name: "shell",
      when: (r) => textOf(lastMessage(r)).includes("use the shell"),
      reply: {
        toolCalls: [
          {
            name: "bash",
            args: {
              command: `echo "AGENT=$EXARP_AGENT SESSION=$EXARP_SESSION"; node ${CLI} comment ${ids.docs} "from the shell"`,
              description: "who am I",
            },
          },
        ],
      },
    });
    const id = await newSession("shell");
    await prompt(id, "use the shell");
    const toolMessage = forSession(id)
      .map(lastMessage)
      .find((m) => m?.role === "tool");
    expect(textOf(toolMessage)).toContain(`AGENT=agent:build SESSION=${id}`);
    const docs = exarp.tasks.get(ids.docs);
    expect(docs.comments.at(-1)).toMatchObject({ body: "from the shell", author: "agent:build" });
  });

  it("gives a sub-agent's shell a sub-agent identity, so the exarp CLI refuses its writes, while the primary's work", async () => {
    const shell = (command: string) => ({ toolCalls: [{ name: "bash", args: { command, description: "exarp" } }] });
    mock.script(
      {
        name: "delegate",
        when: (r) => textOf(lastMessage(r)).includes("delegate the shell"),
        reply: {
          toolCalls: [
            {
              name: "task",
              args: { description: "add a task", prompt: "SUBAGENT_SHELL add one", subagent_type: "general" },
            },
          ],
        },
      },
      {
        name: "sub-shell",
        when: (r) => textOf(lastMessage(r)).includes("SUBAGENT_SHELL"),
        reply: shell(`echo "AGENT=$EXARP_AGENT"; node ${CLI} add "from the sub-agent"; echo "exit=$?"`),
      },
      {
        name: "primary-shell",
        when: (r) => textOf(lastMessage(r)).includes("now you add"),
        reply: shell(`echo "AGENT=$EXARP_AGENT"; node ${CLI} add "from the primary"; echo "exit=$?"`),
      },
    );
    const before = exarp.tasks.list().length;
    const id = await newSession("sub-shell");
    await prompt(id, "delegate the shell");
    const subResult = mock.requests
      .filter((r) => r.session !== id && lastMessage(r)?.role === "tool")
      .map((r) => textOf(lastMessage(r)))
      .find((t) => t.includes("AGENT=subagent:"));
    expect(subResult, "the sub-agent's shell ran").toBeDefined();
    expect(subResult).toContain("AGENT=subagent:general");
    expect(subResult).toContain("sub-agents read tasks but change nothing");
    expect(subResult).toMatch(/exit=[1-9]/);
    expect(exarp.tasks.list({ text: "from the sub-agent" })).toEqual([]);
    expect(exarp.tasks.list().length).toBe(before);

    await prompt(id, "now you add");
    const primaryResult = forSession(id)
      .map((r) => textOf(lastMessage(r)))
      .find((t) => t.includes("AGENT=agent:build"));
    expect(primaryResult).toContain("exit=0");
    const [created] = exarp.tasks.list({ text: "from the primary" });
    expect(created).toBeDefined();
    const [event] = exarp.history.list({ taskId: created?.id as string, limit: 1 });
    expect(event).toMatchObject({ type: "task.created", actor: "agent:build", session: id });
  });
});

function run(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args, "-C", setup.project], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`exarp ${args.join(" ")}: ${r.stderr}`);
  return r.stdout as string;
}

function readIf(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
