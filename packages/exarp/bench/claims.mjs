// Contested claims across processes, on each backend (SQLite, then PostgreSQL in team mode, back to back):
// BENCH_WORKERS (default 32) worker processes (workers/claimer.mjs), each its own agent and session, over one
// project.
//  a. rounds: BENCH_ROUNDS (default 200) tasks made up front; each round the parent sends "claim <id>" to
//     every worker at once and waits for all answers. Exactly one worker must win each round (checked, and
//     cross-checked against the lease table afterwards); any violation exits 1. Figures: wall time,
//     contested claim attempts/s (= workers × rounds / s: every process's attempt counts), rounds/s, round
//     latency (send → last answer) and the time each claim spent inside leases.claim (mostly waiting for
//     the lock), split by winners and losers. On PostgreSQL also the requests each attempt sent to the
//     server (counted in the worker) and the server's transactions per attempt (pg_stat_database). For
//     scale: the same rounds with "ping" instead of a claim (pipes and scheduling of 32 processes, no
//     store), and one uncontested claim in this process. BENCH_WARMUP (default 5) extra rounds run first,
//     checked but not timed.
//  b. claimNext (`exarp ready --claim`): a pool of BENCH_POOL (default 1000) ready tasks; every worker calls
//     leases.claimNext() until none is left. Every task must be handed out exactly once (duplicates exit 1).
//     For scale: one process alone calling claimNext() over an equal pool, and ready() over that pool.
// Tasks are made by importing an export (one transaction), so setup stays short on a server that flushes
// its WAL at every commit. BENCH_FOLLOW=1: every worker also follows the change feed (feed.watch), as an
// agent's OpenCode plugin does; on PostgreSQL each one then LISTENs and every commit's NOTIFY wakes it. PostgreSQL target (2-core machine): >= 1000 contested claim attempts/s.
import { performance } from "node:perf_hooks";
import { initProject } from "../dist/index.js";
import { figure, openBackends, perUnit, serverCounters, sideBySide } from "./backends.mjs";
import { spawnWorker } from "./child.mjs";
import { finish, mean, percentile, report, sample, time } from "./util.mjs";

const WORKERS = Number(process.env.BENCH_WORKERS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const POOL = Number(process.env.BENCH_POOL ?? 1000);
// BENCH_FOLLOW=1: every worker also follows the change feed, as an agent's OpenCode plugin does.
const FOLLOW = process.env.BENCH_FOLLOW === "1";
// BENCH_CLAIMS_PARTS=rounds (or =claimNext) runs one part only.
const PARTS = (process.env.BENCH_CLAIMS_PARTS ?? "rounds,claimNext").split(",");

let failures = 0;

/** Export text of `n` ready todo tasks with ids `<prefix>-00000`…, and those ids. */
function pool(prefix, n) {
  const ids = Array.from({ length: n }, (_, i) => `T-${prefix}${String(i).padStart(5, "0")}`);
  const lines = ids.map((id, i) =>
    JSON.stringify({
      kind: "task",
      id,
      title: `${prefix} task ${i}`,
      description: "",
      status: "todo",
      priority: "medium",
      tags: [],
      parentId: null,
      estimate: null,
      assignee: null,
      createdAt: Date.UTC(2026, 0, 1) + i,
      updatedAt: Date.UTC(2026, 0, 1) + i,
      version: 1,
      dependsOn: [],
    }),
  );
  return { text: `${lines.join("\n")}\n`, ids };
}

/** A fresh project on `backend` with `n` todo tasks, and `WORKERS` claimer processes open on it. */
async function setup(backend, label, n) {
  const root = backend.root();
  const exarp = initProject(root, { actor: { name: "user:bench", session: null } });
  const { text, ids } = pool(label.slice(0, 1), n);
  const createMs = time(() => exarp.transfer.importText(text)).ms;
  const t1 = performance.now();
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    spawnWorker("claimer.mjs", FOLLOW ? [root, i, "follow"] : [root, i], { name: `w${i}` }),
  );
  await Promise.all(workers.map((w) => w.next()));
  report(`claims ${backend.label} ${label} setup`, {
    tasks: n,
    import_ms: createMs,
    workers: WORKERS,
    spawn_ms: performance.now() - t1,
  });
  return { exarp, ids, workers };
}

const stats = (ms) => ({ p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: Math.max(...ms) });

// a. contested rounds
async function rounds(backend) {
  const name = `claims ${backend.label} rounds`;
  const { exarp, ids, workers } = await setup(backend, "rounds", WARMUP + ROUNDS);
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
  const winnerRequests = [];
  const winnerCpu = [];
  const loserCpu = [];
  const loserRequests = [];
  const winnerOf = new Map();
  const roundMs = [];
  const claimMs = [];
  const errors = [];
  let wall = 0;
  let countersBefore;
  for (let r = 0; r < ids.length; r++) {
    if (r === WARMUP && backend.name === "postgres") countersBefore = await serverCounters(backend.url);
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
        (a.acquired ? winnerRequests : loserRequests).push(a.requests ?? 0);
        (a.acquired ? winnerCpu : loserCpu).push(a.cpuMs);
      }
    }
  }
  const countersAfter = countersBefore && (await serverCounters(backend.url));
  const violations = winnersPerRound.filter((n) => n !== 1).length;
  // Cross-check with the lease table: every task leased once, to the worker that was told it won.
  const leases = exarp.leases.list();
  const mismatches = ids.filter((id) => {
    const held = leases.filter((l) => l.taskId === id);
    return held.length !== 1 || held[0].agent !== winnerOf.get(id);
  }).length;
  const histogram = {};
  for (const n of winnersPerRound) histogram[n] = (histogram[n] ?? 0) + 1;
  const attemptsPerS = (WORKERS * ROUNDS) / (wall / 1000);
  report(name, {
    rounds: ROUNDS,
    warmup: WARMUP,
    workers: WORKERS,
    wall_s: wall / 1000,
    "attempts/s": attemptsPerS,
    "rounds/s": ROUNDS / (wall / 1000),
  });
  report(`${name} winners`, {
    min: Math.min(...winnersPerRound),
    max: Math.max(...winnersPerRound),
    violations,
    lease_mismatches: mismatches,
    errors: errors.length,
  });
  const oneWinner = winnersPerRound.filter((n) => n === 1).length;
  console.log(
    `  winners per round (count: rounds): ${JSON.stringify(histogram)} — exactly one winner in ${oneWinner} of ${winnersPerRound.length} rounds`,
  );
  if (errors.length) console.log(`  first errors: ${[...new Set(errors)].slice(0, 3).join(" | ")}`);
  report(`${name} round latency`, { n: roundMs.length, mean_ms: mean(roundMs), ...stats(roundMs) });
  report(`${name} time in claim()`, { n: claimMs.length, mean_ms: mean(claimMs), ...stats(claimMs) });
  report(`${name}   winners`, { n: winnerMs.length, mean_ms: mean(winnerMs), ...stats(winnerMs) });
  report(`${name}   losers`, { n: loserMs.length, mean_ms: mean(loserMs), ...stats(loserMs) });
  report(`${name} claimer CPU per attempt`, { winner_ms: mean(winnerCpu), loser_ms: mean(loserCpu) });
  figure("claims: claimer CPU per losing attempt ms", backend.label, mean(loserCpu));
  report(`${name} ping (no claim)`, { n: pingMs.length, mean_ms: mean(pingMs), ...stats(pingMs) });
  if (backend.name === "postgres") {
    const attempts = WORKERS * ROUNDS;
    const fields = {
      winner_requests: mean(winnerRequests),
      loser_requests: mean(loserRequests),
      loser_requests_max: Math.max(...loserRequests),
    };
    // The server's counts include the listening connections' polls (twice a second per worker) and this
    // process's few statements: an upper bound on what the attempts themselves cost.
    if (countersAfter) Object.assign(fields, perUnit(countersBefore, countersAfter, attempts));
    report(`${name} server work per attempt`, fields);
    figure("claims: requests per winning attempt", backend.label, mean(winnerRequests));
    figure("claims: requests per losing attempt", backend.label, mean(loserRequests));
    if (countersAfter) {
      const per = perUnit(countersBefore, countersAfter, attempts);
      figure("claims: server commits per attempt", backend.label, per.commits);
      figure("claims: WAL flushes per attempt", backend.label, per.wal_syncs);
    }
  }
  figure(`claims: contested attempts/s (${WORKERS} procs)`, backend.label, attemptsPerS, { min: 1000 });
  figure("claims: rounds with exactly one winner", backend.label, `${oneWinner}/${winnersPerRound.length}`);
  figure("claims: round latency p50 ms", backend.label, percentile(roundMs, 50));
  figure("claims: round latency p99 ms", backend.label, percentile(roundMs, 99));
  if (violations || mismatches || errors.length) failures++;
  await Promise.all(workers.map((w) => w.stop()));
  exarp.close();
  const solo = initProject(backend.root(), { actor: { name: "agent:solo", session: "s" } });
  const soloIds = pool("s", 200).ids;
  solo.transfer.importText(pool("s", 200).text);
  const soloMs = soloIds.map((taskId) => time(() => solo.leases.claim({ taskId })).ms);
  report(`claims ${backend.label} 1 process claim() uncontested`, {
    n: soloMs.length,
    mean_ms: mean(soloMs),
    ...stats(soloMs),
  });
  figure("claims: uncontested claim() p50 ms", backend.label, percentile(soloMs, 50));
  solo.close();
}

// b. claimNext until the pool is empty
async function drain(backend) {
  const name = `claims ${backend.label} claimNext`;
  const { exarp, ids, workers } = await setup(backend, "claimNext", POOL);
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
  const rate = handedOut.length / (ms / 1000);
  report(name, {
    pool: POOL,
    workers: WORKERS,
    handed_out: handedOut.length,
    duplicates,
    missing,
    errors: errors.length,
    wall_s: ms / 1000,
    "claims/s": rate,
  });
  report(`${name} per worker`, {
    min: Math.min(...perWorker),
    p50: percentile(perWorker, 50),
    max: Math.max(...perWorker),
    lease_mismatches: leaseMismatches,
    ...(backend.name === "postgres"
      ? { requests_per_claim: answers.reduce((a, x) => a + x.requests, 0) / Math.max(1, handedOut.length) }
      : {}),
  });
  if (errors.length) console.log(`  first errors: ${[...new Set(errors)].slice(0, 3).join(" | ")}`);
  figure(`ready --claim drain: claims/s (${WORKERS} procs)`, backend.label, rate);
  figure("ready --claim drain: handed out twice / missing", backend.label, `${duplicates} / ${missing}`);
  if (duplicates || missing || errors.length || leaseMismatches) failures++;
  await Promise.all(workers.map((w) => w.stop()));
  exarp.close();
  const solo = initProject(backend.root(), { actor: { name: "agent:solo", session: "s" } });
  solo.transfer.importText(pool("o", POOL).text);
  const readyMs = sample(() => solo.graph.ready(), 20, 2);
  let soloClaimed = 0;
  const soloWall = time(() => {
    while (solo.leases.claimNext().acquired) soloClaimed++;
  }).ms;
  report(`claims ${backend.label} 1 process claimNext()`, {
    pool: POOL,
    handed_out: soloClaimed,
    wall_s: soloWall / 1000,
    "claims/s": soloClaimed / (soloWall / 1000),
    "ready()_p50_ms": percentile(readyMs, 50),
  });
  figure("ready --claim drain: 1 process claims/s", backend.label, soloClaimed / (soloWall / 1000));
  solo.close();
}

const backends = await openBackends();
try {
  if (PARTS.includes("rounds")) for (const backend of backends.list) await rounds(backend);
  if (PARTS.includes("claimNext")) for (const backend of backends.list) await drain(backend);
  sideBySide("claims side by side");
} finally {
  await backends.close();
}
finish();
if (failures) {
  console.log(`!! claims: ${failures} check(s) failed`);
  process.exitCode = 1;
}
