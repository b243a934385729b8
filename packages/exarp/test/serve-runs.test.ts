// `GET /api/runs` of a real `exarp serve` on 127.0.0.1, on the suite's backend (EXARP_TEST_BACKEND):
// the runner sessions working now, as the runner's own stream and the leases say, for any token;
// each runner event reaches the event stream like every other event.
import { afterEach, describe, expect, it } from "vitest";
import { initProject } from "../src/app/project.ts";
import { manualClock } from "../src/clock.ts";
import { DEFAULT_LEASE_TTL_MS } from "../src/lease/lease.ts";
import { projectPaths } from "../src/project/root.ts";
import { type RunningServer, startServer } from "../src/serve/server.ts";
import { testProject } from "./support/exarp.ts";
import { dashboardFixture } from "./support/serve.ts";
import { openStream, type SseStream } from "./support/sse.ts";
import { tempDir } from "./support/temp.ts";

const RUNNER = "agent:runner";

type ErrorBody = { error: { name: string; message: string } };
const errorOf = async (answer: Response) => ((await answer.json()) as ErrorBody).error;
const FIELDS = ["attempt", "branch", "expiresAt", "runner", "session", "startedAt", "taskId", "title", "worktree"];

const open: { server: RunningServer; close(): void; streams: SseStream[] }[] = [];

afterEach(async () => {
  for (const t of open.splice(0)) {
    for (const s of t.streams) await s.close();
    await t.server.close();
    t.close();
  }
});

/** A project on the suite's backend with a manual clock, its server, and a viewer token. */
async function served() {
  const root = tempDir();
  const clock = manualClock(Date.UTC(2026, 5, 1, 12));
  const exarp = initProject(root, { actor: { name: "user:alice", session: null }, clock, ...testProject(root) });
  const viewer = exarp.tokens.create({ scope: "viewer" }).secret;
  const others = {
    collaborator: exarp.tokens.create({ scope: "collaborator", name: "bot" }).secret,
    owner: exarp.tokens.create({ scope: "owner", name: "laptop" }).secret,
  };
  const revokedToken = exarp.tokens.create({ scope: "owner", name: "old" });
  exarp.tokens.revoke({ id: revokedToken.token.id });
  const server = await startServer(exarp, {
    port: 0,
    watchDir: projectPaths(root).dir,
    dashboardDir: dashboardFixture(),
    log: () => undefined,
  });
  const streams: SseStream[] = [];
  open.push({ server, close: () => exarp.close(), streams });
  const base = `http://127.0.0.1:${server.port}`;
  const get = (path: string, token: string | undefined = viewer, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const runs = async () => {
    const answer = await get("/api/runs");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    return (await answer.json()) as { runs: Record<string, unknown>[] };
  };
  const stream = async () => {
    const s = await openStream(`${base}/api/events`, { authorization: `Bearer ${viewer}` });
    streams.push(s);
    return s;
  };
  const runner = (session: string) => exarp.as({ name: RUNNER, session });
  const task = (title: string) => exarp.tasks.create({ title }).id;
  return { exarp, clock, viewer, others, revoked: revokedToken.secret, get, runs, stream, runner, task };
}

describe("GET /api/runs", () => {
  it("answers no runs, then the session a runner started with its task, then none once it finished", async () => {
    const t = await served();
    const id = t.task("Design the invoices schema");
    expect(await t.runs()).toEqual({ runs: [] });

    const start = t.clock.now();
    t.runner("ses_one").runs.start(id, { attempt: 1, worktree: "/tmp/wt/one", branch: "exarp/one" });
    const { runs } = await t.runs();
    expect(runs).toEqual([
      {
        runner: RUNNER,
        taskId: id,
        title: "Design the invoices schema",
        session: "ses_one",
        attempt: 1,
        startedAt: start,
        expiresAt: start + DEFAULT_LEASE_TTL_MS,
        worktree: "/tmp/wt/one",
        branch: "exarp/one",
      },
    ]);
    expect(Object.keys(runs[0] ?? {}).sort()).toEqual(FIELDS);

    t.runner("ses_one").runs.finish(id, "Result: the tables exist");
    expect(await t.runs()).toEqual({ runs: [] });
    expect(t.exarp.tasks.get(id).status).toBe("review");
  });

  it("lists every running session oldest first, and leaves out a retried, an abandoned and an expired one", async () => {
    const t = await served();
    const [a, b, c, d] = ["A", "B", "C", "D"].map((title) => t.task(title)) as [string, string, string, string];
    const none = { worktree: null, branch: null };
    t.runner("ses_a").runs.start(a, { attempt: 1, ...none });
    t.clock.advance(1_000);
    t.runner("ses_b").runs.start(b, { attempt: 1, ...none });
    t.clock.advance(1_000);
    t.runner("ses_c").runs.start(c, { attempt: 2, ...none });
    t.clock.advance(1_000);
    t.runner("ses_d").runs.start(d, { attempt: 1, ...none });
    expect((await t.runs()).runs.map((r) => [r.taskId, r.session, r.attempt])).toEqual([
      [a, "ses_a", 1],
      [b, "ses_b", 1],
      [c, "ses_c", 2],
      [d, "ses_d", 1],
    ]);

    t.runner("ses_b").runs.retry(b, { attempt: 1, error: "HTTP 500", retryAt: t.clock.now() + 5_000 });
    t.runner("ses_c").runs.abandon(c, "HTTP 400 (after 3 attempts)");
    expect((await t.runs()).runs.map((r) => r.taskId)).toEqual([a, d]);

    // The next attempt of the retried task is running again, under its new session.
    t.clock.advance(1_000);
    t.runner("ses_b2").runs.start(b, { attempt: 2, ...none });
    expect((await t.runs()).runs.map((r) => [r.taskId, r.session, r.attempt])).toEqual([
      [a, "ses_a", 1],
      [d, "ses_d", 1],
      [b, "ses_b2", 2],
    ]);

    // A lease that ran out ends its session, though no runner said so.
    t.clock.advance(DEFAULT_LEASE_TTL_MS - 4_000);
    expect((await t.runs()).runs.map((r) => r.taskId)).toEqual([d, b]);
  });

  it("answers a title as the task holds it, markup and quotes included (the page shows it as text)", async () => {
    const t = await served();
    const title = '<img src=x onerror="alert(1)"> & "quotes"';
    const id = t.task(title);
    t.runner("ses_x").runs.start(id, { attempt: 1, worktree: null, branch: null });
    expect((await t.runs()).runs[0]?.title).toBe(title);
  });

  it("answers every live token, needs one, takes no query parameter and answers GET only, in the house error shape", async () => {
    const t = await served();
    const id = t.task("A");
    t.runner("ses_a").runs.start(id, { attempt: 1, worktree: null, branch: null });
    for (const token of [t.viewer, t.others.collaborator, t.others.owner]) {
      const answer = await t.get("/api/runs", token);
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { runs: { taskId: string }[] }).runs.map((r) => r.taskId)).toEqual([id]);
    }
    for (const token of ["", t.revoked, "exarp_not_a_token"]) {
      const refused = await t.get("/api/runs", token);
      expect(refused.status).toBe(401);
      expect((await errorOf(refused)).name).toBe("Unauthenticated");
    }

    const query = await t.get("/api/runs?runner=agent:runner");
    expect(query.status).toBe(400);
    expect((await errorOf(query)).name).toBe("InvalidInput");

    const post = await t.get("/api/runs", t.viewer, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toMatch(/GET/);
    expect((await errorOf(post)).name).toBe("MethodNotAllowed");
  });
});

describe("runner events on the event stream", () => {
  it("streams each step of an attempt to a viewer, as it is committed", async () => {
    const t = await served();
    const [a, b] = [t.task("A"), t.task("B")];
    const stream = await t.stream();
    const none = { worktree: null, branch: null };
    t.runner("ses_a").runs.start(a, { attempt: 1, ...none });
    t.runner("ses_a").runs.finish(a, "done");
    t.runner("ses_b").runs.start(b, { attempt: 1, ...none });
    t.runner("ses_b").runs.retry(b, { attempt: 1, error: "HTTP 500", retryAt: t.clock.now() + 1 });
    t.runner("ses_b").runs.abandon(b, "gave up");
    const expected = [
      ["runner.session_started", a],
      ["runner.session_finished", a],
      ["runner.session_started", b],
      ["runner.session_retried", b],
      ["runner.session_abandoned", b],
    ];
    const runnerEvents = () => stream.events().filter((e) => e.type.startsWith("runner."));
    const deadline = Date.now() + 20_000;
    while (runnerEvents().length < expected.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(runnerEvents().map((e) => [e.type, e.payload.taskId])).toEqual(expected);
    expect(runnerEvents().every((e) => e.actor === RUNNER && e.payload.runner === RUNNER)).toBe(true);
  });
});
