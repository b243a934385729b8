// Runner mode inside the real OpenCode (opencode-ai 1.18.33), offline: a session the test makes a
// runner's (started and claimed as agent:runner with the OpenCode session id, through the exarp
// services, before its first prompt) sees only its own task, and its exarp tools act as agent:runner.
// And /run from a normal session starts the exarp command line (a stand-in that records its argv).
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastMessage, type MockModel, startMockModel, systemText, textOf } from "./support/mock-model.ts";
import { EXARP_CLI, eventually, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

const RUNNER_MARK = "[exarp] You are an exarp runner session";
const SYSTEM_MARK = "You share an exarp task graph";
const SYNTHETIC_MARK = "[exarp] Task state at the start of this session:";

let mock: MockModel;
let oc: Served;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;
const ids = { own: "", other: "", waiting: "" };
let argvFile = "";

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock);
  exarp = initProject(setup.project, { actor: { name: "user:ana", session: null } });
  ids.own = exarp.tasks.create({ title: "Fix the parser" }).id;
  ids.other = exarp.tasks.create({ title: "Someone else's next task", priority: "critical" }).id;
  ids.waiting = exarp.tasks.create({ title: "Waits on the parser", dependsOn: [ids.own] }).id;
  // The exarp command line /run starts: a stand-in that records its arguments and ends.
  argvFile = join(setup.scratch, "argv.json");
  const fake = join(setup.scratch, "fake-exarp.js");
  writeFileSync(
    fake,
    `require("node:fs").writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));\n`,
  );
  chmodSync(fake, 0o755);
  oc = await serveOpenCode(setup.project, { ...setup.env, EXARP_CLI: fake });
}, 60_000);

afterAll(async () => {
  await oc?.stop();
  exarp?.close();
  await mock?.close();
  setup?.cleanup();
});

const requestsOf = (id: string) =>
  mock.requests.filter((r) => r.session === id && !systemText(r).startsWith("You are a title generator"));

async function newSession(title: string): Promise<string> {
  return ((await oc.client.session.create({ body: { title } })).data as { id: string }).id;
}

describe("a runner's session inside the real OpenCode", () => {
  it("gets only its own task, and its exarp tools act as the lease holder agent:runner", async () => {
    const id = await newSession("runner session");
    exarp.as({ name: "agent:runner", session: id }).runs.start(ids.own, { attempt: 1, worktree: null, branch: null });
    mock.script(
      {
        name: "comment",
        when: (r) => r.session === id && textOf(lastMessage(r)).includes("RUN_TASK"),
        reply: { toolCalls: [{ name: "exarp_comment", args: { id: ids.own, text: "parser fixed by the runner" } }] },
      },
      {
        name: "start another runner",
        when: (r) => r.session === id && textOf(lastMessage(r)).includes("Commented on"),
        reply: { toolCalls: [{ name: "exarp_run", args: {} }] },
      },
      {
        name: "look for more work",
        when: (r) => r.session === id && textOf(lastMessage(r)).includes("cannot start a runner"),
        reply: { toolCalls: [{ name: "exarp_next", args: { claim: true } }] },
      },
      {
        name: "the shell",
        when: (r) => r.session === id && textOf(lastMessage(r)).includes("and nothing else"),
        reply: {
          toolCalls: [
            {
              name: "bash",
              args: {
                command: `echo "AGENT=$EXARP_AGENT SESSION=$EXARP_SESSION"; node ${EXARP_CLI} comment ${ids.own} "from the runner's shell"`,
                description: "who am I",
              },
            },
          ],
        },
      },
    );
    const r = await oc.client.session.prompt({
      path: { id },
      body: { parts: [{ type: "text", text: `RUN_TASK work on ${ids.own}` }] },
    });
    expect(r.response.status).toBe(200);

    const requests = requestsOf(id);
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const request of requests) {
      const system = systemText(request);
      expect(system).toContain(RUNNER_MARK);
      expect(system).toContain(`task: ${ids.own} [in progress] [medium] Fix the parser`);
      expect(system).toContain("held by agent:runner for this session");
      expect(system).toContain(`waiting on it: ${ids.waiting}`);
      expect(system).not.toContain(ids.other);
      expect(system).not.toContain(SYSTEM_MARK);
      expect(JSON.stringify(request.messages)).not.toContain(SYNTHETIC_MARK);
    }
    const toolResults = requests
      .map((q) => lastMessage(q))
      .filter((m) => m?.role === "tool")
      .map(textOf);
    expect(toolResults[0]).toContain(`Commented on ${ids.own}.`);
    expect(toolResults[1]).toContain("A runner session cannot start a runner.");
    expect(toolResults[2]).toContain(`You are a runner session: your task is ${ids.own} and nothing else.`);
    expect(toolResults[3]).toContain(`AGENT=agent:runner SESSION=${id}`);

    const task = exarp.tasks.get(ids.own);
    expect(task.comments.map((c) => [c.author, c.body])).toEqual([
      ["agent:runner", "parser fixed by the runner"],
      ["agent:runner", "from the runner's shell"],
    ]);
    expect(exarp.leases.list().map((l) => [l.taskId, l.agent, l.session])).toEqual([[ids.own, "agent:runner", id]]);
    expect(existsSync(join(setup.project, ".exarp", "runner.pid"))).toBe(false);
    expect(existsSync(argvFile)).toBe(false);
  });

  it("/run in a normal session starts `exarp run` against this OpenCode server, and says so", async () => {
    const id = await newSession("normal session");
    const r = await oc.client.session.command({ path: { id }, body: { command: "run", arguments: "2" } });
    expect(r.response.status).toBe(200);
    const argv = await eventually(
      () => (existsSync(argvFile) ? (JSON.parse(readFileSync(argvFile, "utf8")) as string[]) : undefined),
      10_000,
      "the exarp command line to start",
    );
    // The session that typed /run hears of each finished task (--report-to).
    expect(argv).toEqual([
      ...["-C", setup.project, "run", "--url", oc.url, "--report-to", id, "--until-idle", "--max", "2"],
    ]);
    const pid = Number(readFileSync(join(setup.project, ".exarp", "runner.pid"), "utf8"));
    expect(pid).toBeGreaterThan(0);
    const asked = requestsOf(id).map((q) => JSON.stringify(q.messages));
    expect(asked.some((m) => m.includes(`Started the exarp runner (pid ${pid})`))).toBe(true);
    expect(systemText(requestsOf(id)[0] as NonNullable<ReturnType<typeof requestsOf>[number]>)).toContain(SYSTEM_MARK);
  });
});
