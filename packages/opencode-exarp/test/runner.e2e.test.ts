// `exarp run` against the real `opencode serve` (opencode-ai 1.18.33) and the recording mock model:
// parallel sessions, results in review, a dependent starting when its blocker is approved, a model
// error retried then blocked, and a runner killed with SIGKILL mid-task that a restart finishes
// without doing the task twice. OpenCode runs without the exarp plugin here: the runner needs none.
import { type ChildProcess, spawn } from "node:child_process";
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatRequest, lastMessage, type MockModel, startMockModel, textOf } from "./support/mock-model.ts";
import { EXARP_CLI, eventually, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";

const PERSON = { name: "user:ana", session: null };
const MARK = "You are working on exarp task ";

let mock: MockModel;
let oc: Served;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;

/** The task a request works on: the id its first user message names. */
function taskOf(r: ChatRequest): string | undefined {
  const first = r.messages.find((m) => m.role === "user");
  const text = textOf(first);
  const at = text.indexOf(MARK);
  return at < 0 ? undefined : text.slice(at + MARK.length).split(":")[0];
}

/** Requests that started a task's turn: their last message is the runner's prompt for it. */
const promptsFor = (id: string) =>
  mock.requests.filter((r) => taskOf(r) === id && textOf(lastMessage(r)).includes(MARK + id));

type Runner = { child: ChildProcess; lines: Record<string, unknown>[]; exited: Promise<number | null> };

function startRunner(args: string[]): Runner {
  const child = spawn(process.execPath, [EXARP_CLI, "run", "--json", "-C", setup.project, ...args], {
    env: setup.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      // Progress lines; the closing summary is printed as one indented object.
      if (line.startsWith('{"progress"')) lines.push(JSON.parse(line));
    }
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code) process.stderr.write(`runner exited ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

const progress = (r: Runner, kind: string, taskId?: string) =>
  r.lines.filter(
    (l) =>
      (l.progress as { kind?: string } | undefined)?.kind === kind &&
      (taskId === undefined || (l.progress as { taskId?: string }).taskId === taskId),
  );

const status = (id: string) => exarp.tasks.get(id).status;
const runnerEvents = (type: string, taskId: string) =>
  exarp.history
    .list({ limit: 1000 })
    .filter((e) => e.type === type && (e.payload as { taskId?: string }).taskId === taskId);

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock, { plugin: false });
  exarp = initProject(setup.project, { actor: PERSON });
  oc = await serveOpenCode(setup.project, setup.env);
}, 60_000);

afterAll(async () => {
  await oc?.stop();
  exarp?.close();
  await mock?.close();
  setup?.cleanup();
});

describe("exarp run with the real opencode serve", () => {
  it("runs A and C at once, B after A is approved, and blocks a task whose model keeps failing", async () => {
    const a = exarp.tasks.create({ title: "Design the schema", description: "Tables for users." }).id;
    const c = exarp.tasks.create({ title: "Write the docs" }).id;
    const b = exarp.tasks.create({ title: "Build the API", dependsOn: [a] }).id;
    mock.script(
      ...[a, c].map((id) => ({
        name: `work ${id}`,
        when: (r: ChatRequest) => taskOf(r) === id,
        reply: { text: `Finished ${id}: all good`, delayMs: 1500 },
        times: 5,
      })),
      { name: `work ${b}`, when: (r) => taskOf(r) === b, reply: { text: `Finished ${b}` }, times: 5 },
    );
    const runner = startRunner(["--url", oc.url, "--max", "2", "--retry-delay", "0.2", "--attempts", "2"]);
    try {
      await eventually(() => status(a) === "review" && status(c) === "review", 40_000, "A and C in review");
      // Two sessions, working at the same time: each started before the other finished.
      const started = [a, c].map((id) => runnerEvents("runner.session_started", id)[0]);
      const ended = [a, c].map((id) => runnerEvents("runner.session_finished", id)[0]);
      const [sa, sc] = started.map((e) => e?.payload as { session: string });
      expect(sa?.session).not.toBe(sc?.session);
      expect(Math.max(...started.map((e) => e?.time ?? 0))).toBeLessThan(Math.min(...ended.map((e) => e?.time ?? 0)));
      for (const id of [a, c]) {
        const comments = exarp.tasks.get(id).comments.map((x) => x.body);
        expect(comments.some((body) => body.includes(`Finished ${id}: all good`))).toBe(true);
        expect(exarp.leases.list().some((l) => l.taskId === id)).toBe(false);
        expect(promptsFor(id)).toHaveLength(1);
      }
      // The lease was the runner's, with the OpenCode session as its session.
      const lease = runnerEvents("lease.acquired", a)[0]?.payload as { agent: string; session: string };
      expect(lease).toMatchObject({ agent: "agent:runner", session: sa?.session });
      // B waits for a person to approve A; the runner never approves.
      await new Promise((r) => setTimeout(r, 1000));
      expect(status(b)).toBe("todo");
      expect(promptsFor(b)).toHaveLength(0);
      const approvedAt = Date.now();
      exarp.approvals.approve({ taskId: a });
      await eventually(() => status(b) === "review", 20_000, "B in review after A's approval");
      const bStarted = runnerEvents("runner.session_started", b)[0];
      expect((bStarted?.time ?? 0) - approvedAt).toBeLessThan(10_000);

      // A model that fails every time: retried once (--attempts 2), then blocked with the error.
      const d = exarp.tasks.create({ title: "Flaky integration" }).id;
      mock.script({ name: `fail ${d}`, when: (r) => taskOf(r) === d, reply: { error: 400 }, times: 10 });
      await eventually(() => status(d) === "blocked", 30_000, "D blocked");
      expect(runnerEvents("runner.session_retried", d)).toHaveLength(1);
      expect(runnerEvents("runner.session_abandoned", d)).toHaveLength(1);
      const last = exarp.tasks.get(d).comments.at(-1)?.body ?? "";
      expect(last).toContain("mock model failed with HTTP 400");
      expect(exarp.leases.list().some((l) => l.taskId === d)).toBe(false);
      expect(progress(runner, "blocked", d)).toHaveLength(1);
    } finally {
      runner.child.kill("SIGTERM");
      expect(await runner.exited).toBe(0);
    }
  }, 120_000);

  it("finishes a task after kill -9 of its runner and a restart, without doing it twice", async () => {
    const e = exarp.tasks.create({ title: "Migrate the data" }).id;
    mock.script({
      name: `slow ${e}`,
      when: (r) => taskOf(r) === e,
      reply: { text: `Migrated ${e}`, delayMs: 3000 },
      times: 5,
    });
    const first = startRunner(["--url", oc.url, "--max", "1"]);
    await eventually(() => progress(first, "started", e).length > 0, 20_000, "E started");
    await eventually(() => promptsFor(e).length === 1, 10_000, "E's prompt at the model");
    first.child.kill("SIGKILL");
    await first.exited;
    expect(status(e)).toBe("in_progress");
    const second = startRunner(["--url", oc.url, "--max", "1", "--until-idle"]);
    expect(await second.exited).toBe(0);
    expect(status(e)).toBe("review");
    expect(progress(second, "adopted", e)).toHaveLength(1);
    expect(promptsFor(e)).toHaveLength(1);
    expect(runnerEvents("runner.session_started", e)).toHaveLength(1);
    expect(exarp.tasks.get(e).comments.some((x) => x.body.includes(`Migrated ${e}`))).toBe(true);
  }, 60_000);
});
