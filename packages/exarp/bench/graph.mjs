// Graph latency, in process, three parts (figures only, nothing asserted):
//  a. ready: graph.ready() (materialised SQL ready set) and graph.next({ can: ["api"] }) over 10k tasks /
//     30k acyclic dependencies, statuses ~30% done, 60% todo, 10% in_progress, on each backend (SQLite,
//     then PostgreSQL in team mode: imported in chunks, see backends.importInto, and measured right after
//     the import and again after VACUUM ANALYZE, the steady state autovacuum keeps): right after a
//     commit that leaves the ready set as it was (a comment: the events since the last answer touch no
//     ready row), right after one that changes it (a ready task started, then put back: its rows and
//     its neighbours' are read again), the whole set read after each commit (an ask with a limit, which
//     is never patched: what every ready() cost before), and with nothing changed (answered from the
//     last read, after a read of the log's head). Targets: ready p50 <= 5 ms (SQLite), <= 10 ms
//     (PostgreSQL, after VACUUM, after a commit).
//  b. plan: graph.plan() over 100k tasks / 300k dependencies, cold (first call on a fresh service: loads
//     the graph from SQLite) and warm (graph cached until the log moves), then the same split by phase on
//     the dist/graph modules: load (store.graphData), build (buildGraph), waves, critical path, cycles.
//     Target: plan <= 250 ms.
//  c. cycle check: tasks.addDependency over 10k tasks laid out as one long chain (task i depends on i-1,
//     plus random earlier tasks), so the recursive-CTE reachability check walks thousands of ancestors;
//     pairs that do not close a cycle (added) and pairs that do (CycleDetected, path computed).
// Sizes: BENCH_TASKS (a, c; default 10000), BENCH_PLAN_TASKS (b; default 100000), BENCH_RUNS (default 200),
// BENCH_PLAN_RUNS (b; default 10). Parts b and c run on SQLite only.

import { performance } from "node:perf_hooks";
import { criticalPath } from "../dist/graph/critical-path.js";
import { findCycles } from "../dist/graph/cycles.js";
import { buildGraph } from "../dist/graph/graph.js";
import { computeWaves } from "../dist/graph/waves.js";
import { CycleDetected, createExarp, initProject } from "../dist/index.js";
import { driverOf } from "../dist/store/store.js";
import { figure, importInto, openBackends, sideBySide } from "./backends.mjs";
import { finish, graphExport, mean, percentile, report, rng, sample, tempDir, time } from "./util.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const PLAN_TASKS = Number(process.env.BENCH_PLAN_TASKS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const PLAN_RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 10);

/** A fresh SQLite project holding the generated graph; prints the setup cost. */
function project(name, spec) {
  const built = time(() => graphExport(spec));
  const exarp = initProject(tempDir());
  const imported = time(() => exarp.transfer.importText(built.result.text));
  report(`${name} setup`, { tasks: spec.tasks, deps: built.result.deps, gen_ms: built.ms, import_ms: imported.ms });
  return { exarp, id: built.result.id };
}

/**
 * Times RUNS calls of graph.ready(ask), each right after a commit that moves the log: `how` "comment"
 * (the ready set stays as it was) or "start" (the best ready task goes to in_progress and back, one
 * commit before each call).
 */
function readyAfterCommits(exarp, how = "comment", ask = {}) {
  const taskId = exarp.graph.ready()[0].id;
  const ms = [];
  for (let i = 0; i < RUNS + 20; i++) {
    if (how === "comment") exarp.tasks.comment({ taskId, body: `bench ${i}` });
    else exarp.tasks.setStatus({ id: taskId, to: i % 2 === 0 ? "in_progress" : "todo" });
    const start = performance.now();
    exarp.graph.ready(ask);
    if (i >= 20) ms.push(performance.now() - start);
  }
  if (how === "start" && exarp.tasks.get(taskId).status !== "todo") exarp.tasks.setStatus({ id: taskId, to: "todo" });
  return ms;
}

const stats = (ms) => ({ runs: ms.length, p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99) });

// a. ready / next, on each backend -------------------------------------------------------------------
{
  const backends = await openBackends();
  try {
    for (const backend of backends.list) {
      const root = backend.root();
      const built = time(() => graphExport({ tasks: TASKS, deps: TASKS * 3, seed: 7 }));
      const exarp = initProject(root);
      const importMs = await importInto(backend, exarp, root, built.result.text);
      report(`graph a ${backend.label} setup`, {
        tasks: TASKS,
        deps: built.result.deps,
        gen_ms: built.ms,
        import_ms: importMs,
        ...(backend.name === "postgres" ? { how: "chunks+ANALYZE" } : {}),
      });
      if (backend.name === "postgres") {
        // Right after the import the tasks table is full of dead row versions (every dependency added
        // rewrote its task's counters); autovacuum cleans them within a minute. Both are shown.
        const before = readyAfterCommits(exarp);
        report(`graph a ${backend.label} ready() before VACUUM`, { ...stats(before), p95_ms: percentile(before, 95) });
        figure(
          `ready() at ${TASKS / 1000}k tasks p50 ms, right after the import`,
          backend.label,
          percentile(before, 50),
        );
        const start = performance.now();
        await backend.vacuum(root);
        report(`graph a ${backend.label} VACUUM ANALYZE`, { ms: performance.now() - start });
      }
      const ready = exarp.graph.ready();
      // Right after a commit (a comment: the log moves, the ready set does not), ready() reads the
      // ready set again; asked again with nothing changed, it answers from what it read last, after
      // one read of the log's head. Only the ready() calls are timed.
      const changedMs = readyAfterCommits(exarp);
      const startedMs = readyAfterCommits(exarp, "start");
      const wholeMs = readyAfterCommits(exarp, "comment", { limit: 100_000 });
      const readyMs = sample(() => exarp.graph.ready(), RUNS, 20);
      report(`graph a ${backend.label} ready() after a commit`, {
        ready: ready.length,
        ...stats(changedMs),
        p95_ms: percentile(changedMs, 95),
      });
      report(`graph a ${backend.label} ready() after a task started`, {
        ...stats(startedMs),
        p95_ms: percentile(startedMs, 95),
      });
      report(`graph a ${backend.label} ready() read whole`, { ...stats(wholeMs), p95_ms: percentile(wholeMs, 95) });
      report(`graph a ${backend.label} ready() nothing changed`, {
        ...stats(readyMs),
        p95_ms: percentile(readyMs, 95),
      });
      figure(`ready() at ${TASKS / 1000}k tasks p50 ms, after a commit`, backend.label, percentile(changedMs, 50), {
        max: 10,
        for: ["postgres"],
      });
      figure(`ready() at ${TASKS / 1000}k tasks p95 ms, after a commit`, backend.label, percentile(changedMs, 95));
      figure(
        `ready() at ${TASKS / 1000}k tasks p50 ms, after a task started`,
        backend.label,
        percentile(startedMs, 50),
        {
          max: 10,
          for: ["postgres"],
        },
      );
      figure(
        `ready() at ${TASKS / 1000}k tasks p50 ms, read whole after a commit`,
        backend.label,
        percentile(wholeMs, 50),
      );
      figure(`ready() at ${TASKS / 1000}k tasks p50 ms, nothing changed`, backend.label, percentile(readyMs, 50));
      figure(`ready() at ${TASKS / 1000}k tasks: rows`, backend.label, ready.length);
      const next = exarp.graph.next({ can: ["api"] });
      const nextMs = sample(() => exarp.graph.next({ can: ["api"] }), RUNS, 20);
      report(`graph a ${backend.label} next(can:api)`, { found: next ? next.id : "none", ...stats(nextMs) });
      figure("next(can:api) p50 ms", backend.label, percentile(nextMs, 50));
      exarp.close();
    }
    sideBySide("graph a side by side");
  } finally {
    await backends.close();
  }
}

// b. plan: waves + critical path ---------------------------------------------------------------------
{
  const { exarp } = project("graph b", { tasks: PLAN_TASKS, deps: PLAN_TASKS * 3, seed: 11 });
  const first = time(() => exarp.graph.plan());
  const p = first.result;
  report("graph b plan() first call", {
    waves: p.waves.length,
    maxPar: p.maxParallelism,
    critLen: p.criticalPath.tasks.length,
    cycles: p.cycles.length,
    ms: first.ms,
  });
  // Cold: a fresh graph service over the same (open) store has an empty graph cache.
  const cold = sample(() => createExarp({ store: exarp.store }).graph.plan(), PLAN_RUNS, 1);
  report("graph b plan() cold", stats(cold));
  const warm = sample(() => exarp.graph.plan(), PLAN_RUNS, 2);
  report("graph b plan() warm (cached graph)", stats(warm));

  // The same work phase by phase, on the pure modules.
  const phases = { load: [], build: [], waves: [], critical: [], cycles: [], total: [] };
  for (let i = 0; i < PLAN_RUNS + 1; i++) {
    const load = time(() => exarp.store.graphData());
    const build = time(() => buildGraph(load.result.tasks, load.result.edges));
    const g = build.result;
    const waves = time(() => computeWaves(g));
    const critical = time(() => criticalPath(g, waves.result.waves));
    const cycles = time(() => findCycles(g));
    if (i === 0) continue; // warm-up
    phases.load.push(load.ms);
    phases.build.push(build.ms);
    phases.waves.push(waves.ms);
    phases.critical.push(critical.ms);
    phases.cycles.push(cycles.ms);
    phases.total.push(load.ms + build.ms + waves.ms + critical.ms + cycles.ms);
  }
  for (const [phase, ms] of Object.entries(phases))
    report(`graph b phase ${phase}`, { ...stats(ms), mean_ms: mean(ms) });
  exarp.close();
}

// c. cycle check on addDependency ---------------------------------------------------------------------
{
  const { exarp, id } = project("graph c", { tasks: TASKS, deps: TASKS * 3, chain: true, seed: 13 });
  const r = rng(5);
  const between = (lo, hi) => lo + Math.floor(r() * (hi - lo)); // [lo, hi)
  const reachSize = driverOf(exarp.store).prepare(
    `WITH RECURSIVE reach(id) AS (SELECT ? UNION SELECT d.blocker_id FROM dependencies d JOIN reach r ON d.task_id = r.id)
     SELECT count(*) AS n FROM reach`,
  );

  /** `count` distinct pairs [taskId, blockerId] not yet linked; `make` returns [taskIndex, blockerIndex]. */
  const freshPairs = (count, make) => {
    const out = new Map();
    while (out.size < count) {
      const [t, b] = make();
      if (t !== b && !exarp.store.hasDependency(id(t), id(b))) out.set(`${t}>${b}`, [id(t), id(b)]);
    }
    return [...out.values()];
  };
  /** Times addDependency over fresh pairs (20 warm-up + RUNS); notes how many nodes the check walks. */
  const measure = (name, make, expectCycle) => {
    const pairs = freshPairs(RUNS + 20, make);
    const walked = pairs.slice(0, 50).map(([, blockerId]) => reachSize.get(blockerId).n);
    let k = 0;
    const ms = sample(
      () => {
        const [taskId, blockerId] = pairs[k++];
        try {
          exarp.tasks.addDependency({ taskId, blockerId });
          if (expectCycle) throw new Error(`expected a cycle: ${taskId} -> ${blockerId}`);
        } catch (error) {
          if (!(expectCycle && error instanceof CycleDetected)) throw error;
        }
      },
      RUNS,
      20,
    );
    report(`graph c ${name}`, { walked_p50: percentile(walked, 50), ...stats(ms) });
  };

  const n = TASKS;
  // Blocker without blockers: the check walks one node; the fixed cost of an addDependency command.
  measure("add, trivial check", () => [between(2, n), 0], false);
  // Later task on a late blocker: the blocker reaches its ~5k-10k ancestors, none of which is the task.
  measure(
    "add, no cycle (deep)",
    () => {
      const b = between(n / 2, n - 1);
      return [between(b + 1, n), b];
    },
    false,
  );
  // Early task on a later blocker: the blocker reaches it through the chain; refused with the path.
  measure(
    "add, closes cycle",
    () => {
      const t = between(0, n / 2);
      return [t, between(t + n / 4, n)];
    },
    true,
  );

  // Split of the refused case: the reachability query alone, then the path search alone.
  const pairs = freshPairs(RUNS, () => {
    const t = between(0, n / 2);
    return [t, between(t + n / 4, n)];
  });
  report("graph c   reaches() only", stats(sample((i) => exarp.store.reaches(pairs[i][1], pairs[i][0]), RUNS, 20)));
  const pathLen = exarp.store.dependencyPath(pairs[0][1], pairs[0][0])?.length ?? 0;
  report("graph c   dependencyPath() only", {
    pathLen,
    ...stats(sample((i) => exarp.store.dependencyPath(pairs[i][1], pairs[i][0]), RUNS, 20)),
  });
  exarp.close();
}

finish();
