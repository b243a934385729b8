// Where the time of a team-mode (PostgreSQL) command goes, measured from outside exarp. Not part of
// run-all: run it when a PostgreSQL figure misses its target. Three parts:
//  a. per command: requests sent to the bridge's worker thread (one statement, or one batch of statements,
//     each; counted by wrapping MessagePort.postMessage), how many of them the main thread waited for
//     (Atomics.wait calls), and the split of the wall time between waiting for the server (time in
//     Atomics.wait) and JavaScript on the main thread. BENCH_PROFILE_TRACE=1 lists the statements of one
//     call of each command. "claim, lost under the lock" is the loser of a race: its check before the
//     lock is made to miss (the request is rewritten to look up a task that does not exist), so it queues
//     for the lock as a racing loser does.
//  b. ready() at BENCH_TASKS (default 10000) tasks (graph.mjs part a's data, imported as there): the
//     server's own execution (count(*) over the same query), the same query fetched by node-postgres in
//     this thread (rows as objects, then as arrays), through the bridge (driver.all, driver.values), and
//     graph.ready() whole; then the query's plan.
//  c. import: one transfer.importText of N tasks / 3N dependencies for N in BENCH_PROFILE_IMPORT (default
//     1000,2000,4000), to show how its cost grows with N.
// PostgreSQL as in backends.mjs (EXARP_BENCH_POSTGRES_URL, else a throw-away cluster with fsync=on).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import workerThreads from "node:worker_threads";

// The counters, installed before exarp is loaded.
const trace = { on: false, posts: 0, waits: 0, waitMs: 0, statements: [], missLease: false };
const post = workerThreads.MessagePort.prototype.postMessage;
workerThreads.MessagePort.prototype.postMessage = function (message, ...rest) {
  if (trace.on && message && typeof message === "object" && "op" in message) {
    trace.posts++;
    if (
      trace.missLease &&
      !message.tx &&
      typeof message.text === "string" &&
      /^SELECT \* FROM leases WHERE task_id = \$1$/.test(message.text.trim())
    ) {
      message = { ...message, params: ["T-does-not-exist"] };
      trace.missLease = false;
    }
    trace.statements.push({ at: performance.now(), text: String(message.text ?? message.op) });
  }
  return post.call(this, message, ...rest);
};
const wait = Atomics.wait;
Atomics.wait = (...args) => {
  if (!trace.on) return wait(...args);
  const start = performance.now();
  try {
    return wait(...args);
  } finally {
    trace.waits++;
    trace.waitMs += performance.now() - start;
  }
};

const { initProject, openProject } = await import("../dist/index.js");
const { driverOf } = await import("../dist/store/store.js");
const { importInto, openBackends, withClient } = await import("./backends.mjs");
const { finish, graphExport, percentile, report } = await import("./util.mjs");

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const IMPORT_SIZES = (process.env.BENCH_PROFILE_IMPORT ?? "1000,2000,4000").split(",").map(Number).filter(Boolean);
const SHOW = process.env.BENCH_PROFILE_TRACE === "1";

/** Runs `fn` `runs` times (after `before(i)`, untimed), counting; returns medians per call. */
function profile(name, runs, fn, before = () => undefined) {
  const rows = [];
  for (let i = 0; i < runs; i++) {
    before(i);
    Object.assign(trace, { posts: 0, waits: 0, waitMs: 0, statements: [], on: true });
    const start = performance.now();
    fn(i);
    const ms = performance.now() - start;
    trace.on = false;
    rows.push({ ms, posts: trace.posts, waits: trace.waits, waitMs: trace.waitMs, statements: trace.statements });
  }
  const med = (k) =>
    percentile(
      rows.map((r) => r[k]),
      50,
    );
  report(`pg-profile ${name}`, {
    runs,
    p50_ms: med("ms"),
    requests: med("posts"),
    waits: med("waits"),
    waiting_ms: med("waitMs"),
    js_ms: percentile(
      rows.map((r) => r.ms - r.waitMs),
      50,
    ),
  });
  if (SHOW) {
    const one = rows[Math.floor(rows.length / 2)];
    let prev = one.statements[0]?.at ?? 0;
    for (const s of one.statements) {
      console.log(`    +${(s.at - prev).toFixed(2).padStart(6)} ms  ${s.text.replace(/\s+/g, " ").slice(0, 110)}`);
      prev = s.at;
    }
  }
  return rows;
}

const backends = await openBackends();
if (!backends.postgres) {
  console.log("!! pg-profile needs PostgreSQL");
  process.exit(1);
}
const pg = backends.postgres;
const schemaOf = (root) =>
  new URL(JSON.parse(readFileSync(join(root, ".exarp", "config.json"), "utf8")).database.url).searchParams.get(
    "schema",
  );
try {
  // a. per command ----------------------------------------------------------------------------------------
  {
    const root = pg.root();
    const a = initProject(root, { actor: { name: "user:bench", session: null } });
    const b = openProject(root, { actor: { name: "agent:b", session: "sb" } });
    const c = openProject(root, { actor: { name: "agent:c", session: "sc" } });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(a.tasks.create({ title: `warm ${i}` }).id); // statements prepared
    for (let i = 0; i < 5; i++) b.leases.claim({ taskId: ids[i] });
    const fresh = (n) => Array.from({ length: n }, (_, i) => a.tasks.create({ title: `t ${i}` }).id);
    const created = [];
    profile("tasks.create", RUNS, () => created.push(a.tasks.create({ title: "profiled" }).id));
    profile("tasks.setStatus", RUNS, (i) => a.tasks.setStatus({ id: created[i], to: "in_progress" }));
    const claimIds = fresh(RUNS);
    profile("claim, won (uncontested)", RUNS, (i) => b.leases.claim({ taskId: claimIds[i] }));
    profile("claim, lost before the lock", RUNS, (i) => c.leases.claim({ taskId: claimIds[i] }));
    const raceIds = fresh(RUNS);
    for (const taskId of raceIds) b.leases.claim({ taskId });
    profile(
      "claim, lost under the lock",
      RUNS,
      (i) => {
        const r = c.leases.claim({ taskId: raceIds[i] });
        if (r.acquired) throw new Error("a lease held by agent:b was claimed again");
      },
      () => {
        trace.missLease = true;
      },
    );
    fresh(RUNS);
    profile("claimNext", RUNS, () => c.leases.claimNext());
    profile("feed.head, nothing changed", RUNS, () => c.feed.head());
    profile("tasks.get", RUNS, (i) => c.tasks.get(created[i]));
    for (const x of [a, b, c]) x.close();
  }

  // b. ready() at 10k ---------------------------------------------------------------------------------------
  {
    const root = pg.root();
    const exarp = initProject(root);
    const { text } = graphExport({ tasks: TASKS, deps: TASKS * 3, seed: 7 }); // graph.mjs part a's data
    const importMs = await importInto(pg, exarp, root, text);
    report("pg-profile ready setup", { tasks: TASKS, import_ms: importMs });
    for (let i = 0; i < 10; i++) exarp.graph.ready();
    // The statement graph.ready() sends, with its parameters, as this process sent it.
    profile("graph.ready()", RUNS, () => exarp.graph.ready());
    Object.assign(trace, { statements: [], on: true });
    const captured = [];
    const keep = workerThreads.MessagePort.prototype.postMessage;
    workerThreads.MessagePort.prototype.postMessage = function (message, ...rest) {
      if (message && typeof message === "object" && message.op === "query") captured.push(message);
      return keep.call(this, message, ...rest);
    };
    const rows = exarp.graph.ready().length;
    workerThreads.MessagePort.prototype.postMessage = keep;
    trace.on = false;
    const query = captured.find((m) => /FROM tasks t/.test(m.text)) ?? captured[0];
    profile("ready query through the bridge (driver.all)", RUNS, () =>
      driverOf(exarp.store)
        .prepare(query.text.replace(/\$\d+/g, "?"))
        .all(...query.params),
    );
    profile("ready query through the bridge (driver.values)", RUNS, () =>
      driverOf(exarp.store)
        .prepare(query.text.replace(/\$\d+/g, "?"))
        .values(...query.params),
    );
    await withClient(pg.url, async (client) => {
      await client.query(`SET search_path TO "${schemaOf(root)}"`);
      const timed = async (name, q) => {
        const ms = [];
        for (let i = 0; i < RUNS; i++) {
          const start = performance.now();
          await client.query(q);
          ms.push(performance.now() - start);
        }
        report(`pg-profile ${name}`, { runs: RUNS, p50_ms: percentile(ms, 50), p95_ms: percentile(ms, 95) });
        return ms;
      };
      await timed("ready query on the server only (count(*))", {
        text: `SELECT count(*) FROM (${query.text}) ready`,
        values: query.params,
      });
      await timed("ready query, node-postgres here, rows as objects", { text: query.text, values: query.params });
      await timed("ready query, node-postgres here, rows as arrays", {
        text: query.text,
        values: query.params,
        rowMode: "array",
      });
      const plan = await client.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, values: query.params });
      console.log(`  plan of the ready query (${rows} rows):`);
      for (const r of plan.rows) console.log(`    ${r["QUERY PLAN"]}`);
    });
    exarp.close();
  }

  // c. import cost as the size grows --------------------------------------------------------------------------
  for (const n of IMPORT_SIZES) {
    const exarp = initProject(pg.root());
    const { text } = graphExport({ tasks: n, deps: n * 3, seed: 7 });
    const start = performance.now();
    exarp.transfer.importText(text);
    const ms = performance.now() - start;
    report(`pg-profile import in one go`, { tasks: n, deps: n * 3, ms, ms_per_task: ms / n });
    exarp.close();
  }
} finally {
  await backends.close();
}
finish();
