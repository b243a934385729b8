// Runs every exarp benchmark in sequence, each in its own process, after printing the machine it runs on.
// The benches that compare backends (append, graph, claims, feed-latency) share one throw-away PostgreSQL
// cluster started here (fsync=on, synchronous_commit=on: what a real server pays per commit), or
// EXARP_BENCH_POSTGRES_URL when given; at the end their figures are printed again as one table with a
// column per backend. The OpenCode plugin's hooks bench runs under Bun, separately (npm run bench).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCluster } from "../scripts/postgres-cluster.mjs";
import { BACKEND_NAMES, printTable, serverFacts } from "./backends.mjs";
import { tempDir } from "./util.mjs";

const scripts = [
  "append.mjs",
  "import.mjs",
  "import-foreign.mjs",
  "read.mjs",
  "graph.mjs",
  "cli-start.mjs",
  "claims.mjs",
  "feed-latency.mjs",
  "read-under-lock.mjs",
  "identity-switch.mjs",
  "events-load.mjs",
  "dashboard.mjs",
  "runner.mjs",
];

/** The Bun the hooks bench runs with: the workspace's, else one on PATH. */
function bunVersion() {
  const local = fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));
  for (const bun of [local, "bun"]) {
    if (bun === local && !existsSync(local)) continue;
    const r = spawnSync(bun, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return r.stdout.trim();
  }
  return "none";
}

const env = { ...process.env, BENCH_SUMMARY_FILE: join(tempDir(), "summary.jsonl") };
let cluster;
let postgres = "not run";
if (BACKEND_NAMES.includes("postgres")) {
  try {
    if (!process.env.EXARP_BENCH_POSTGRES_URL) {
      cluster = await startCluster({ fsync: true, synchronousCommit: "on" });
      env.EXARP_BENCH_POSTGRES_URL = cluster.url;
      env.BENCH_POSTGRES_ORIGIN = `throw-away cluster of run-all.mjs on ${cluster.host}:${cluster.port}`;
    }
    const facts = await serverFacts(env.EXARP_BENCH_POSTGRES_URL);
    postgres = `${facts.version} (${facts.settings})`;
  } catch (error) {
    postgres = `unavailable: ${error.message}`;
  }
}

const cpu = cpus();
// The load average says how much else the machine was doing (a shared machine makes every figure noisier).
console.log(
  `machine: ${cpu[0]?.model ?? "unknown cpu"} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, bun ${bunVersion()}, postgres ${postgres}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

let failed = 0;
try {
  for (const script of scripts) {
    console.log(`\n== ${script}`);
    const path = fileURLToPath(new URL(script, import.meta.url));
    const r = spawnSync(process.execPath, [path, ...process.argv.slice(2)], { stdio: "inherit", env });
    if (r.status !== 0) {
      console.log(`!! ${script} exited with ${r.status ?? r.signal}`);
      failed++;
    }
  }
} finally {
  await cluster?.stop();
}

const rows = existsSync(env.BENCH_SUMMARY_FILE)
  ? readFileSync(env.BENCH_SUMMARY_FILE, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
if (rows.length) printTable("== summary: the backends side by side", rows);
process.exitCode = failed ? 1 : 0;
