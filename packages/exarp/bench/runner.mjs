// `exarp run`'s own cost per task, the model left out: one real `opencode serve` (opencode-linux-x64)
// whose only model is a mock on 127.0.0.1 answering every request at once (bench/opencode.mjs), and
// side by side in the same rounds, on that server:
//  - baseline: the same work straight over OpenCode's HTTP API, no exarp: create a session, prompt_async,
//    wait for its `session.idle` on the /event stream, read its messages (what OpenCode itself costs);
//  - `exarp run --url <opencode> --max 1 --until-idle --json` (the built CLI, a child process) over
//    BENCH_N (default 20) ready tasks: per task, from the claim (the runner.session_started event) to the
//    task in review (runner.session_finished), and the cycle (one task in review → the next);
//  - baseline with 2 sessions at once vs `--max 2`: tasks/s from the first prompt-ready session (the
//    baseline's created session, the runner's claim) to the last result.
// Overhead = runner − baseline (p50 and p90 of each, subtracted). Where it goes: this process reads
// OpenCode's /event stream too, so each session's turn is split at its `session.idle` (claim → idle →
// review); a third baseline opens a fresh event stream per task, as the runner does at --max 1 (it
// closes its stream whenever no session is active); and single calls for scale (GET /session/status,
// GET messages, one SQLite commit). Also the runner's fixed start-up (spawn → first claim, with
// `exarp --version` for the bare process start) and its exit after the last task.
// BENCH_ROUNDS (default 3) rounds, each case once per round, the order reversed every other round; one
// small round first is not measured (OpenCode warms up). Run `npm run build` first.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { initProject } from "../dist/index.js";
import { openCodeClient, prepareProject, serveOpenCode, startMockModel } from "./opencode.mjs";
import { finish, percentile, report, tempDir } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUILT = fileURLToPath(new URL("../dist/bin", import.meta.url));
if (!existsSync(join(BUILT, "exarp.js"))) throw new Error(`${BUILT}/exarp.js is missing: run \`npm run build\` first`);

/**
 * The built CLI copied into a package folder of the bench's own (better-sqlite3 linked in), as
 * cli-start.mjs does: a rebuild by someone else on this shared machine mid-run changes nothing here.
 */
function installCli() {
  const pkg = tempDir("exarp-bench-pkg-");
  const bin = join(pkg, "dist", "bin");
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(pkg, "node_modules"));
  const sqlite = createRequire(import.meta.url).resolve("better-sqlite3/package.json");
  symlinkSync(dirname(sqlite), join(pkg, "node_modules", "better-sqlite3"), "dir");
  for (const file of readdirSync(BUILT)) copyFileSync(join(BUILT, file), join(bin, file));
  return join(bin, "exarp.js");
}
const CLI = installCli();

const wall = () => performance.timeOrigin + performance.now();
const machine = () =>
  `${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;

const mock = await startMockModel();
const { project, env } = prepareProject(tempDir("exarp-bench-runner-"), mock.port);
const exarp = initProject(project, { actor: { name: "user:bench", session: null } });
const server = await serveOpenCode(project, env);
const shared = await openCodeClient(server.url, project);
const runnerEnv = { ...process.env };
for (const key of Object.keys(runnerEnv)) if (key.startsWith("EXARP_")) delete runnerEnv[key];

/** A prompt of the runner's shape and size (runner/prompt.ts) for the baseline. */
const promptFor = (i) =>
  [
    `You are working on exarp task T-bench${i}: bench task ${i}`,
    "",
    "Do this task and only this one. When you are done, end with a short summary of what you changed and how",
    "you checked it: that final message is recorded on the task, which then goes to a person for review.",
    "Do not mark the task done or claim other tasks.",
  ].join("\n");

const turnDone = (messages) => {
  const last = messages.at(-1)?.info;
  return last?.role === "assistant" && (last.error !== undefined || last.time?.completed !== undefined);
};

/** One task's worth of work straight over OpenCode's API (on client `oc`): its wall stamps (ms). */
async function baselineTask(i, oc = shared) {
  const begun = wall();
  const id = await oc.createSession(`bench ${i}: bench task ${i}`);
  const created = wall();
  const idle = oc.idle(id);
  await oc.prompt(id, promptFor(i));
  await idle;
  while (!turnDone(await oc.messages(id))) await Promise.race([oc.idle(id), new Promise((r) => setTimeout(r, 50))]);
  return { begun, created, done: wall(), idle: oc.seen(id).idle };
}

/** Each task on a fresh event stream, opened (its first event read) before and closed after, as the runner at --max 1 does. */
async function freshStreamTask(i) {
  const begun = wall();
  const oc = await openCodeClient(server.url, project);
  await oc.connected;
  const opened = wall();
  try {
    return { ...(await baselineTask(i, oc)), opened: opened - begun };
  } finally {
    oc.close();
  }
}

/** `n` tasks by `sessions` concurrent workers; per task stamps, in order of completion. */
async function baseline(n, sessions) {
  const out = [];
  let next = 0;
  const worker = async () => {
    while (next < n) out.push(await baselineTask(next++));
  };
  await Promise.all(Array.from({ length: sessions }, worker));
  return out;
}

/** `exarp run` over `n` fresh ready tasks: stamps per task from the event log, start-up and exit. */
async function runner(n, max) {
  const ids = Array.from({ length: n }, (_, i) => exarp.tasks.create({ title: `bench task ${i}` }).id);
  const head = exarp.history.list({ limit: 1 }).at(-1)?.seq ?? 0;
  const spawned = wall();
  const child = spawn(
    process.execPath,
    [CLI, "run", "--json", "-C", project, "--url", server.url, "--max", String(max), "--until-idle", "--no-notify"],
    { env: runnerEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const code = await new Promise((resolve) => child.on("exit", resolve));
  const exited = wall();
  if (code !== 0) throw new Error(`exarp run exited ${code}: ${err}`);
  const progress = out
    .split("\n")
    .filter((l) => l.startsWith('{"progress"'))
    .map((l) => JSON.parse(l).progress);
  const events = exarp.history.list({ after: head, limit: 100_000 });
  return ids.map((id) => {
    const at = (type) => events.find((e) => e.type === type && e.payload.taskId === id)?.time;
    const claimed = at("runner.session_started");
    const done = at("runner.session_finished");
    if (claimed === undefined || done === undefined || exarp.tasks.get(id).status !== "review")
      throw new Error(`${id} was not run to review: ${exarp.tasks.get(id).status}\n${out}\n${err}`);
    const started = progress.find((p) => p.kind === "started" && p.taskId === id);
    return { claimed, prompted: started?.at, idle: shared.seen(started?.session).idle, done, spawned, exited };
  });
}

const sorted = (xs, key) => xs.map((x) => x[key]).sort((a, b) => a - b);
const gaps = (stamps) => stamps.slice(1).map((t, i) => t - stamps[i]);
const tasksPerSecond = (n, from, to) => (n / (to - from)) * 1000;

const samples = {};
const add = (name, ...values) => {
  samples[name] ??= [];
  samples[name].push(...values);
};

const cases = [
  [
    "baseline1",
    async (n) => {
      const t = await baseline(n, 1);
      add("base1.session", ...t.map((x) => x.done - x.created));
      add("base1.cycle", ...gaps(sorted(t, "done")));
      add("base1.create", ...t.map((x) => x.created - x.begun));
      add("base1.turn", ...t.map((x) => x.idle - x.created));
      add("base1.afterIdle", ...t.map((x) => x.done - x.idle));
    },
  ],
  [
    "runner1",
    async (n) => {
      const t = await runner(n, 1);
      add("run1.session", ...t.map((x) => x.done - x.claimed));
      add("run1.cycle", ...gaps(sorted(t, "done")));
      add("run1.toPrompt", ...t.map((x) => x.prompted - x.claimed));
      add("run1.turn", ...t.map((x) => x.idle - x.claimed));
      add("run1.afterIdle", ...t.map((x) => x.done - x.idle));
      add("run1.startup", Math.min(...t.map((x) => x.claimed)) - t[0].spawned);
      add("run1.exit", t[0].exited - Math.max(...t.map((x) => x.done)));
    },
  ],
  [
    "baseline1fresh",
    async (n) => {
      const t = [];
      for (let i = 0; i < n; i++) t.push(await freshStreamTask(i));
      add("fresh.session", ...t.map((x) => x.done - x.created));
      add("fresh.turn", ...t.map((x) => x.idle - x.created));
      add("fresh.open", ...t.map((x) => x.opened));
    },
  ],
  [
    "baseline2",
    async (n) => {
      const t = await baseline(n, 2);
      add("base2.session", ...t.map((x) => x.done - x.created));
      add("base2.tps", tasksPerSecond(n, Math.min(...sorted(t, "created")), Math.max(...sorted(t, "done"))));
    },
  ],
  [
    "runner2",
    async (n) => {
      const t = await runner(n, 2);
      add("run2.session", ...t.map((x) => x.done - x.claimed));
      add("run2.tps", tasksPerSecond(n, Math.min(...sorted(t, "claimed")), Math.max(...sorted(t, "done"))));
      add("run2.startup", Math.min(...t.map((x) => x.claimed)) - t[0].spawned);
      add("run2.toPrompt", ...t.map((x) => x.prompted - x.claimed));
    },
  ],
  [
    "probes",
    async () => {
      const start = wall();
      spawnSync(process.execPath, [CLI, "--version"], { env: runnerEnv });
      add("version", wall() - start);
      // What the runner does after an idle event besides reading the messages: ask /session/status, commit.
      const reviewed = exarp.tasks.list({ status: ["review"] })[0]?.id;
      const session = await shared.createSession("probe");
      for (let i = 0; i < 5; i++) {
        const t0 = wall();
        await shared.status();
        const t1 = wall();
        await shared.messages(session);
        const t2 = wall();
        exarp.tasks.comment({ taskId: reviewed, body: `probe ${i}` });
        const t3 = wall();
        add("probe.status", t1 - t0);
        add("probe.messages", t2 - t1);
        add("probe.commit", t3 - t2);
      }
    },
  ],
];

console.log(`node ${process.version}, ${machine()} (at the start), ${ROUNDS} rounds × ${N} tasks per case`);
try {
  for (const [, measure] of cases) await measure(3);
  for (const key of Object.keys(samples)) delete samples[key];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const [, measure] of order) await measure(N);
  }
} finally {
  shared.close();
  exarp.close();
  await server.stop();
  await mock.close();
}

const p = (name, q) => percentile(samples[name], q);
const row = (name, key) => report(name, { n: samples[key].length, p50_ms: p(key, 50), p90_ms: p(key, 90) });
const overhead = (name, runKey, baseKey) =>
  report(name, {
    p50_ms: Number((p(runKey, 50) - p(baseKey, 50)).toFixed(1)),
    p90_ms: Number((p(runKey, 90) - p(baseKey, 90)).toFixed(1)),
  });

console.log("\none session at a time (p50/p90 over every task of every round)");
row("baseline: session → result read", "base1.session");
row("exarp run --max 1: claim → review", "run1.session");
overhead("  overhead per task", "run1.session", "base1.session");
row("baseline: cycle (result → result)", "base1.cycle");
row("exarp run --max 1: cycle", "run1.cycle");
overhead("  overhead per task cycle", "run1.cycle", "base1.cycle");
console.log("\nwhere the time goes (idle: this process sees the session.idle event on OpenCode's /event stream)");
row("baseline: session → idle", "base1.turn");
row("exarp run --max 1: claim → idle", "run1.turn");
row("  of which claim → prompt sent", "run1.toPrompt");
row("baseline: idle → result read", "base1.afterIdle");
row("exarp run --max 1: idle → review", "run1.afterIdle");
row("baseline: POST /session", "base1.create");
row("baseline, new stream: sess → idle", "fresh.turn");
row("  … session → result read", "fresh.session");
row("  opening it (to its 1st event)", "fresh.open");
row("GET /session/status (runner too)", "probe.status");
row("GET /session/:id/message (1 turn)", "probe.messages");
row("one commit (a comment), in-proc", "probe.commit");

console.log("\nfixed costs of a runner (per run)");
row("exarp run: spawn → first claim", "run1.startup");
row("exarp --version (bare start)", "version");
row("exarp run: last review → exit", "run1.exit");

console.log("\ntwo sessions at once");
row("baseline ×2: session → result", "base2.session");
row("exarp run --max 2: claim → review", "run2.session");
overhead("  overhead per task", "run2.session", "base2.session");
row("  of which claim → prompt sent", "run2.toPrompt");
report("baseline ×2: throughput", { rounds: ROUNDS, p50_tasks_s: p("base2.tps", 50) });
report("exarp run --max 2: throughput", {
  rounds: ROUNDS,
  p50_tasks_s: p("run2.tps", 50),
  x_base: Number((p("run2.tps", 50) / p("base2.tps", 50)).toFixed(2)),
});
console.log(`\n${machine()} (at the end), ${mock.requests()} model requests`);
finish();
