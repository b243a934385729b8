// `exarp run` against the real `opencode serve` (opencode-ai 1.18.33) and the recording mock model:
// parallel sessions, results in review, a dependent starting when its blocker is approved, a model
// error retried then blocked, and a runner killed with SIGKILL mid-task that a restart finishes
// without doing the task twice. OpenCode runs without the exarp plugin here: the runner needs none.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Exarp, initProject } from "exarp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatRequest, lastMessage, type MockModel, startMockModel } from "./support/mock-model.ts";
import { eventually, prepareProject, type Served, serveOpenCode } from "./support/opencode.ts";
import { progressOf, promptsFor, startRunner, taskOf } from "./support/runner.ts";

const PERSON = { name: "user:ana", session: null };

let mock: MockModel;
let oc: Served;
let exarp: Exarp;
let setup: ReturnType<typeof prepareProject>;

const NOTIFY_LOG = () => join(setup.scratch, "notify.log");
const run = (args: string[]) => startRunner(setup.project, setup.env, args);
const promptsOf = (id: string) => promptsFor(mock, id);

const status = (id: string) => exarp.tasks.get(id).status;
const runnerEvents = (type: string, taskId: string) =>
  exarp.history
    .list({ limit: 1000 })
    .filter((e) => e.type === type && (e.payload as { taskId?: string }).taskId === taskId);

beforeAll(async () => {
  mock = await startMockModel();
  setup = prepareProject(mock, { plugin: false });
  exarp = initProject(setup.project, { actor: PERSON });
  // Shell commands need a person's permission: the runner's policy answers for them.
  const config = join(setup.project, "opencode.json");
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, "utf8")), permission: { bash: "ask" } }));
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
        reply: { text: `Finished ${id}: all good`, delayMs: 4000 },
        times: 5,
      })),
      { name: `work ${b}`, when: (r) => taskOf(r) === b, reply: { text: `Finished ${b}` }, times: 5 },
    );
    // The session a person started the runner from (/run) hears of each finished task.
    const parent = ((await oc.client.session.create({ body: { title: "supervisor" } })).data as { id: string }).id;
    // Leases of 3 s, on work that takes 4: kept alive by renewal.
    const runner = run([
      ...["--url", oc.url, "--max", "2", "--retry-delay", "0.2", "--attempts", "2", "--ttl", "3"],
      ...["--report-to", parent],
    ]);
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
        expect(promptsOf(id)).toHaveLength(1);
        expect(runnerEvents("lease.renewed", id).length).toBeGreaterThan(0);
        expect(runnerEvents("lease.expired", id)).toHaveLength(0);
      }
      // One desktop notification for the wave: both wait for a person's review.
      const notified = () => (existsSync(NOTIFY_LOG()) ? readFileSync(NOTIFY_LOG(), "utf8") : "");
      await eventually(() => notified().includes("the wave is done"), 10_000, "the wave's notification");
      expect(notified()).toMatch(new RegExp(`(${a}, ${c}|${c}, ${a}) wait for your review`));
      const notes = async () =>
        ((await oc.client.session.messages({ path: { id: parent } })).data ?? [])
          .flatMap((m) => m.parts as { text?: string }[])
          .map((part) => part.text ?? "")
          .join("\n");
      await eventually(async () => (await notes()).includes(`[exarp run] ${c} finished`), 10_000, "the quiet notes");
      expect(await notes()).toContain(`[exarp run] ${a} finished and waits for a person's review: Design the schema`);
      // Quiet: the notes started no turn of the parent's.
      expect(mock.requests.filter((r) => r.session === parent)).toHaveLength(0);
      // The lease was the runner's, with the OpenCode session as its session.
      const lease = runnerEvents("lease.acquired", a)[0]?.payload as { agent: string; session: string };
      expect(lease).toMatchObject({ agent: "agent:runner", session: sa?.session });
      // B waits for a person to approve A; the runner never approves.
      await new Promise((r) => setTimeout(r, 1000));
      expect(status(b)).toBe("todo");
      expect(promptsOf(b)).toHaveLength(0);
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
      expect(progressOf(runner, "blocked", d)).toHaveLength(1);
      await eventually(() => notified().includes(`${d} is blocked`), 10_000, "D's notification");
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
    const first = run(["--url", oc.url, "--max", "1"]);
    await eventually(() => progressOf(first, "started", e).length > 0, 20_000, "E started");
    await eventually(() => promptsOf(e).length === 1, 10_000, "E's prompt at the model");
    first.child.kill("SIGKILL");
    await first.exited;
    expect(status(e)).toBe("in_progress");
    // The restarted runner also logs what it does (EXARP_LOG): one OpenTelemetry record per change.
    const log = join(setup.scratch, "runner-log.jsonl");
    const second = startRunner(setup.project, { ...setup.env, EXARP_LOG: log }, [
      "--url",
      oc.url,
      "--max",
      "1",
      "--until-idle",
    ]);
    expect(await second.exited).toBe(0);
    expect(status(e)).toBe("review");
    expect(progressOf(second, "adopted", e)).toHaveLength(1);
    const records = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records.filter((r) => r.scope?.name === "exarp.run").map((r) => r.attributes["exarp.run.kind"])).toEqual([
      "adopted",
      "finished",
    ]);
    expect(records.every((r) => r.resource["service.name"] === "exarp" && typeof r.timeUnixNano === "string")).toBe(
      true,
    );
    expect(promptsOf(e)).toHaveLength(1);
    expect(runnerEvents("runner.session_started", e)).toHaveLength(1);
    expect(exarp.tasks.get(e).comments.some((x) => x.body.includes(`Migrated ${e}`))).toBe(true);
  }, 60_000);

  it("refuses a session's permission request and records it; aborts an attempt past --timeout", async () => {
    const p = exarp.tasks.create({ title: "Clean the build" }).id;
    mock.script(
      {
        name: `shell ${p}`,
        when: (r) => taskOf(r) === p && lastMessage(r)?.role === "user",
        reply: { toolCalls: [{ name: "bash", args: { command: "rm -rf build", description: "remove the build" } }] },
      },
      {
        name: `after ${p}`,
        when: (r) => taskOf(r) === p && lastMessage(r)?.role === "tool",
        reply: { text: "I could not run it" },
      },
    );
    // One slot, for tasks tagged build: a GPU task is reported as unplaceable and left alone.
    exarp.tasks.edit({ id: p, tags: ["build"] });
    const gpu = exarp.tasks.create({ title: "Train the model", tags: ["gpu"] }).id;
    const runner = run(["--url", oc.url, "--until-idle", "--can", "build"]);
    expect(await runner.exited).toBe(0);
    const comments = exarp.tasks.get(p).comments.map((c) => c.body);
    expect(comments.some((c) => /refused session \S+ permission to bash \(rm -rf build\)/.test(c))).toBe(true);
    // The refusal ended the session's turn: blocked for a person, not retried (it would ask again).
    expect(status(p)).toBe("blocked");
    expect(comments.at(-1)).toContain("the session stopped after the runner refused it permission to bash");
    expect(runnerEvents("runner.session_retried", p)).toHaveLength(0);
    expect(progressOf(runner, "permission_refused", p)).toHaveLength(1);
    expect(progressOf(runner, "unplaced", gpu).map((l) => l.progress.error)).toEqual(["no agent with tag `gpu`"]);
    expect(status(gpu)).toBe("todo");
    exarp.tasks.setStatus({ id: gpu, to: "cancelled" });

    const t = exarp.tasks.create({ title: "Endless refactor" }).id;
    mock.script({
      name: `slow ${t}`,
      when: (r) => taskOf(r) === t,
      reply: { text: "too late", delayMs: 8000 },
      times: 3,
    });
    const slow = run(["--url", oc.url, "--timeout", "2", "--attempts", "2", "--retry-delay", "0.1", "--until-idle"]);
    expect(await slow.exited).toBe(0);
    expect(status(t)).toBe("blocked");
    expect(exarp.tasks.get(t).comments.at(-1)?.body).toContain("timed out after 2 s (after 2 attempts)");
    expect(runnerEvents("runner.session_retried", t)).toHaveLength(1);
  }, 60_000);
});
