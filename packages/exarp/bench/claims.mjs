// Contested claims across processes: BENCH_WORKERS (default 32) worker processes (workers/claimer.mjs),
// each its own agent and session, over one project.
//  a. rounds: BENCH_ROUNDS (default 200) tasks created up front; each round the parent sends
//     "claim <id>" to every worker at once and waits for all answers. Exactly one worker must win each
//     round (checked, and cross-checked against the lease table afterwards); any violation exits 1.
//     Figures: wall time, contested claims/s (= workers × rounds / s), rounds/s, round latency
//     (send → last answer) and the time each claim spent inside leases.claim (mostly waiting for the lock),
//     split by winners and losers. For scale: the same rounds with "ping" instead of a claim (pipes and
//     scheduling of 32 processes, no SQLite), and one uncontested claim in this process.
//     BENCH_WARMUP (default 5) extra rounds run first, checked but not timed.
//  b. claimNext: a pool of BENCH_POOL (default 1000) ready tasks; every worker calls leases.claimNext()
//     until none is left. Every task must be handed out exactly once (duplicates exit 1). For scale: one
//     process alone calling claimNext() over an equal pool, and ready() over that pool.
import { performance } from "node:perf_hooks";
import { initProject } from "../dist/index.js";
import { spawnWorker } from "./child.mjs";
import { finish, mean, percentile, report, sample, tempDir, time } from "./util.mjs";

const WORKERS = Number(process.env.BENCH_WORKERS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const POOL = Number(process.env.BENCH_POOL ?? 1000);

let failures = 0;

/** A fresh project with `n` todo tasks, and `WORKERS` claimer processes open on it. */
async function setup(label, n) {
  const root = tempDir();
  const exarp = initProject(root, { actor: { name: "user:bench", session: null } });
  const t0 = performance.now();
  const ids = Array.from({ length: n }, (_, i) => exarp.tasks.create({ title: `${label} task ${i}` }).id);
  const createMs = performance.now() - t0;
  const t1 = performance.now();
  const workers = Array.from({ length: WORKERS }, (_, i) => spawnWorker("claimer.mjs", [root, i], { name: `w${i}` }));
  await Promise.all(workers.map((w) => w.next()));
  report(`claims ${label} setup`, {
    tasks: n,
    create_ms: createMs,
    workers: WORKERS,
    spawn_ms: performance.now() - t1,
  });
  return { exarp, ids, workers };
}

const stats = (ms) => ({ p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: Math.max(...ms) });

// a. contested rounds
{
  const { exarp, ids, workers } = await setup("rounds", WARMUP + ROUNDS);
  const pingMs = [];
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    const start = performance.now();
    for (const w of workers) w.send("ping");
    await Promise.all(workers.map((w) => w.next()));
    if (r >= WARMUP) pingMs.push(performance.now() - start);
  }
  const winnersPerRound = [];
  const winnerMs = [];
  const loserMs = [];
  const winnerOf = new Map();
  const roundMs = [];
  const claimMs = [];
  const errors = [];
  let wall = 0;
  for (let r = 0; r < ids.length; r++) {
    const taskId = ids[r];
    const start = performance.now();
    for (const w of workers) w.send(`claim ${taskId}`);
    const answers = await Promise.all(workers.map((w) => w.next()));
    const ms = performance.now() - start;
    const winners = answers.flatMap((a, i) => (a.acquired ? [i] : []));
    for (const a of answers) if (a.error) errors.push(a.error);
    if (answers.some((a) => a.taskId !== taskId)) throw new Error(`round ${r}: answer for the wrong task`);
    winnersPerRound.push(winners.length);
    if (winners.length === 1) winnerOf.set(taskId, `agent:w${winners[0]}`);
    if (r >= WARMUP) {
      wall += ms;
      roundMs.push(ms);
      for (const a of answers) {
        claimMs.push(a.ms);
        (a.acquired ? winnerMs : loserMs).push(a.ms);
      }
    }
  }
  const violations = winnersPerRound.filter((n) => n !== 1).length;
  // Cross-check with the lease table: every task leased once, to the worker that was told it won.
  const leases = exarp.leases.list();
  const mismatches = ids.filter((id) => {
    const held = leases.filter((l) => l.taskId === id);
    return held.length !== 1 || held[0].agent !== winnerOf.get(id);
  }).length;
  const histogram = {};
  for (const n of winnersPerRound) histogram[n] = (histogram[n] ?? 0) + 1;
  report("claims rounds", {
    rounds: ROUNDS,
    warmup: WARMUP,
    workers: WORKERS,
    wall_s: wall / 1000,
    "claims/s": (WORKERS * ROUNDS) / (wall / 1000),
    "rounds/s": ROUNDS / (wall / 1000),
  });
  report("claims rounds winners", {
    min: Math.min(...winnersPerRound),
    max: Math.max(...winnersPerRound),
    violations,
    lease_mismatches: mismatches,
    errors: errors.length,
  });
  console.log(`  winners per round (count: rounds): ${JSON.stringify(histogram)}`);
  if (errors.length) console.log(`  first errors: ${[...new Set(errors)].slice(0, 3).join(" | ")}`);
  report("claims rounds round latency", { n: roundMs.length, mean_ms: mean(roundMs), ...stats(roundMs) });
  report("claims rounds time in claim()", { n: claimMs.length, mean_ms: mean(claimMs), ...stats(claimMs) });
  report("claims rounds   winners", { n: winnerMs.length, mean_ms: mean(winnerMs), ...stats(winnerMs) });
  report("claims rounds   losers", { n: loserMs.length, mean_ms: mean(loserMs), ...stats(loserMs) });
  report("claims rounds ping (no claim)", { n: pingMs.length, mean_ms: mean(pingMs), ...stats(pingMs) });
  if (violations || mismatches || errors.length) failures++;
  await Promise.all(workers.map((w) => w.stop()));
  exarp.close();
  const solo = initProject(tempDir(), { actor: { name: "agent:solo", session: "s" } });
  const soloIds = Array.from({ length: 200 }, (_, i) => solo.tasks.create({ title: `solo ${i}` }).id);
  const soloMs = soloIds.map((taskId) => time(() => solo.leases.claim({ taskId })).ms);
  report("claims 1 process claim() uncontested", { n: soloMs.length, mean_ms: mean(soloMs), ...stats(soloMs) });
  solo.close();
}

// b. claimNext until the pool is empty
{
  const { exarp, ids, workers } = await setup("claimNext", POOL);
  const start = performance.now();
  for (const w of workers) w.send("next");
  const answers = await Promise.all(workers.map((w) => w.next()));
  const ms = performance.now() - start;
  const handedOut = answers.flatMap((a) => a.claimed);
  const seen = new Map();
  for (const id of handedOut) seen.set(id, (seen.get(id) ?? 0) + 1);
  const duplicates = [...seen.values()].filter((n) => n > 1).reduce((a, n) => a + n - 1, 0);
  const missing = ids.filter((id) => !seen.has(id)).length;
  const errors = answers.flatMap((a) => a.errors);
  const perWorker = answers.map((a) => a.claimed.length);
  const leases = exarp.leases.list();
  const leaseMismatches = handedOut.filter((id) => leases.filter((l) => l.taskId === id).length !== 1).length;
  report("claims claimNext", {
    pool: POOL,
    workers: WORKERS,
    handed_out: handedOut.length,
    duplicates,
    missing,
    errors: errors.length,
    wall_s: ms / 1000,
    "claims/s": handedOut.length / (ms / 1000),
  });
  report("claims claimNext per worker", {
    min: Math.min(...perWorker),
    p50: percentile(perWorker, 50),
    max: Math.max(...perWorker),
    lease_mismatches: leaseMismatches,
  });
  if (errors.length) console.log(`  first errors: ${[...new Set(errors)].slice(0, 3).join(" | ")}`);
  if (duplicates || missing || errors.length || leaseMismatches) failures++;
  await Promise.all(workers.map((w) => w.stop()));
  exarp.close();
  const solo = initProject(tempDir(), { actor: { name: "agent:solo", session: "s" } });
  for (let i = 0; i < POOL; i++) solo.tasks.create({ title: `solo ${i}` });
  const readyMs = sample(() => solo.graph.ready(), 20, 2);
  let soloClaimed = 0;
  const soloWall = time(() => {
    while (solo.leases.claimNext().acquired) soloClaimed++;
  }).ms;
  report("claims 1 process claimNext()", {
    pool: POOL,
    handed_out: soloClaimed,
    wall_s: soloWall / 1000,
    "claims/s": soloClaimed / (soloWall / 1000),
    "ready()_p50_ms": percentile(readyMs, 50),
  });
  solo.close();
}

finish();
if (failures) {
  console.log(`!! claims: ${failures} check(s) failed`);
  process.exitCode = 1;
}
