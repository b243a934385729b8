// Reads while another process holds the write lock (BEGIN IMMEDIATE + an uncommitted write), side by
// side with the same reads on an idle database: library reads in this process, and CLI reads (a
// process per read, so start-up dominates). Reads take no lock, so the two columns should match; a
// write meanwhile gives up with Busy after its wait (EXARP_BUSY_TIMEOUT_MS), which is printed too.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { initProject, openProject } from "../dist/index.js";
import { spawnWorker } from "./child.mjs";
import { buildExport, finish, percentile, report, sample, tempDir } from "./util.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 2_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const CLI_RUNS = Number(process.env.BENCH_N ?? 10);
const cli = fileURLToPath(new URL("../dist/bin/exarp.js", import.meta.url));

const root = tempDir();
const { text, ids } = buildExport({ tasks: TASKS, deps: TASKS * 3, comments: TASKS / 5, seed: 11 });
const seeded = initProject(root);
seeded.transfer.importText(text);
seeded.close();

const env = { ...process.env, EXARP_BUSY_TIMEOUT_MS: "300" };
for (const key of ["EXARP_PROJECT_ROOT", "EXARP_AGENT", "EXARP_SESSION"]) delete env[key];

const exarp = openProject(root);
const library = [
  ["tasks.list todo", () => exarp.tasks.list({ status: ["todo"] })],
  ["tasks.get", (i) => exarp.tasks.get(ids[i % ids.length])],
  ["graph.ready", () => exarp.graph.ready()],
  ["graph.plan", () => exarp.graph.plan()],
  ["history.list 50", () => exarp.history.list({})],
  ["context.render", () => exarp.context.render({ role: "build" })],
  [
    "openProject+list+close",
    () => {
      const fresh = openProject(root);
      fresh.tasks.list({ limit: 20 });
      fresh.close();
    },
  ],
];
const commands = [
  ["cli list", ["list"]],
  ["cli show", ["show", ids[0]]],
  ["cli ready", ["ready"]],
  ["cli history", ["history"]],
];

function cliRun(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 28 });
  return { ms: performance.now() - start, code: r.status, stderr: r.stderr };
}

function measure() {
  const out = {};
  for (const [name, fn] of library) out[name] = sample(fn, RUNS, 10);
  for (const [name, args] of commands) {
    cliRun(args);
    out[name] = Array.from({ length: CLI_RUNS }, () => {
      const r = cliRun(args);
      if (r.code !== 0) throw new Error(`exarp ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
      return r.ms;
    });
  }
  return out;
}

const idle = measure();
const holder = spawnWorker("write-lock.mjs", [join(root, ".exarp", "exarp.db")], { name: "write-lock" });
await holder.next();
const held = measure();
const busy = cliRun(["add", "while locked"]);
holder.send("release");
await holder.next();
await holder.stop();
exarp.close();

for (const name of Object.keys(idle)) {
  report(`read ${name}`, {
    idle_p50: percentile(idle[name], 50),
    held_p50: percentile(held[name], 50),
    idle_p99: percentile(idle[name], 99),
    held_p99: percentile(held[name], 99),
  });
}
report("write under lock (busy 300 ms)", { exit: busy.code ?? -1, ms: busy.ms });
finish();
