// Cross-process wake-up latency (wall clock, Date.now() in both processes), on each backend:
//  a. feed: a watcher process (workers/watcher.mjs: feed.watch from head, keepAlive) and this process
//     writing: one tasks.create every BENCH_INTERVAL_MS (default 50), BENCH_N (default 100) times.
//     latency = seen (watcher) − committed (here, when create returned; the create call itself is shown
//     as call_*). SQLite: with the file watch on .exarp (watchDir), and polling alone (no watchDir,
//     default pollMs) for comparison. PostgreSQL (team mode): LISTEN/NOTIFY wakes the watcher (no
//     watchDir: nothing changes on disk here). Targets: ~100 ms (SQLite), p99 <= 50 ms (PostgreSQL).
//  b. approvals: a waiter process (workers/waiter.mjs, agent:waiter) in approvals.request({ timeoutMs:
//     10000 }) on an in-progress task; this process approves as user:reviewer. BENCH_APPROVALS (default
//     20) rounds; latency = resolved (waiter) − approved (here, when approve returned).
import { setTimeout as sleep } from "node:timers/promises";
import { initProject } from "../dist/index.js";
import { figure, openBackends, sideBySide } from "./backends.mjs";
import { spawnWorker } from "./child.mjs";
import { finish, percentile, report, rng } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 100);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 50);
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 20);

const stats = (ms) => ({ p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: Math.max(...ms) });
let failures = 0;

// a. feed wake-up
const MODES = {
  watch: { label: "fs.watch + poll", worker: [] },
  poll: { label: "poll only", worker: ["poll"] },
  notify: { label: "LISTEN/NOTIFY", worker: ["notify"] },
};
async function feed(backend, mode) {
  const root = backend.root();
  const exarp = initProject(root, { actor: { name: "user:writer", session: null } });
  exarp.tasks.create({ title: "seed" });
  const watcher = spawnWorker("watcher.mjs", [root, ...MODES[mode].worker], { name: "watcher" });
  await watcher.next();
  const seen = new Map();
  let stopped = false;
  const collecting = (async () => {
    while (!stopped) {
      const m = await watcher.next().catch(() => undefined);
      if (!m) return;
      seen.set(m.seq, m.seen);
    }
  })();
  const committed = new Map();
  const called = new Map();
  const callMs = [];
  for (let i = 0; i < N; i++) {
    const before = Date.now();
    exarp.tasks.create({ title: `feed ${i}` });
    const after = Date.now();
    const seq = exarp.feed.head();
    committed.set(seq, after);
    called.set(seq, before);
    callMs.push(after - before);
    await sleep(INTERVAL_MS);
  }
  // Give the last event up to 2 s to arrive (the polling fallback alone wakes it within pollMs).
  const last = exarp.feed.head();
  for (let waited = 0; !seen.has(last) && waited < 2000; waited += 10) await sleep(10);
  stopped = true;
  const latency = [...committed].filter(([seq]) => seen.has(seq)).map(([seq, at]) => seen.get(seq) - at);
  // An upper bound: from the start of the create call (the commit happened somewhere inside it).
  const fromCall = [...called].filter(([seq]) => seen.has(seq)).map(([seq, at]) => seen.get(seq) - at);
  const missed = committed.size - latency.length;
  report(`feed ${backend.label} ${MODES[mode].label}`, {
    n: N,
    missed,
    ...stats(latency),
    from_call_p99_ms: percentile(fromCall, 99),
    call_p50_ms: percentile(callMs, 50),
  });
  if (mode !== "poll") {
    const what = "feed wake-up (sqlite: fs.watch, postgres: NOTIFY)";
    figure(`${what} p50 ms`, backend.label, percentile(latency, 50));
    figure(`${what} p99 ms`, backend.label, percentile(latency, 99), { max: 50 });
    figure("feed wake-up from the create call's start p99 ms", backend.label, percentile(fromCall, 99));
    figure("feed: events missed", backend.label, missed);
  } else figure("feed wake-up, SQLite polling alone p99 ms", backend.label, percentile(latency, 99));
  if (missed) failures++;
  await watcher.stop();
  await collecting;
  exarp.close();
}

// b. approval wait
async function approvals(backend) {
  const root = backend.root();
  const exarp = initProject(root, { actor: { name: "user:writer", session: null } });
  const reviewer = exarp.as({ name: "user:reviewer", session: null });
  const waiter = spawnWorker("waiter.mjs", [root], { name: "waiter" });
  await waiter.next();
  const r = rng(7);
  const latency = [];
  const callMs = [];
  const outcomes = {};
  for (let i = 0; i < APPROVALS; i++) {
    const { id } = exarp.tasks.create({ title: `approval ${i}` });
    exarp.tasks.setStatus({ id, to: "in_progress" });
    waiter.send(`wait ${id}`);
    const asked = await waiter.next();
    if (!asked.requested) throw new Error(`request for ${id} failed: ${asked.error}`);
    await sleep(20 + Math.floor(r() * 60)); // let the waiter sit in its wait, at a random phase of its poll
    const before = Date.now();
    reviewer.approvals.approve({ taskId: id });
    const approved = Date.now();
    callMs.push(approved - before);
    const done = await waiter.next();
    outcomes[done.outcome] = (outcomes[done.outcome] ?? 0) + 1;
    if (done.taskId !== id || done.outcome !== "approved") failures++;
    latency.push(done.resolved - approved);
  }
  report(`approval ${backend.label} approve → request resolved`, {
    n: APPROVALS,
    ...stats(latency),
    call_p50_ms: percentile(callMs, 50),
  });
  figure("approval: approve → waiter resolved p50 ms", backend.label, percentile(latency, 50));
  figure("approval: approve → waiter resolved p99 ms", backend.label, percentile(latency, 99));
  console.log(`  outcomes: ${JSON.stringify(outcomes)}`);
  await waiter.stop();
  exarp.close();
}

const backends = await openBackends();
try {
  for (const backend of backends.list) {
    for (const mode of backend.name === "postgres" ? ["notify"] : ["watch", "poll"]) await feed(backend, mode);
  }
  for (const backend of backends.list) await approvals(backend);
  sideBySide("feed-latency side by side");
} finally {
  await backends.close();
}
finish();
if (failures) {
  console.log(`!! feed-latency: ${failures} check(s) failed`);
  process.exitCode = 1;
}
