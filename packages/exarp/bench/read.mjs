// In-process read latency over 10k tasks / ~30k deps: tasks.list with various filters and tasks.get.
import { initProject } from "../dist/index.js";
import { buildExport, finish, percentile, report, rng, sample, tempDir, time } from "./util.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const { text, ids, deps } = buildExport({ tasks: TASKS, deps: TASKS * 3, comments: TASKS / 5, seed: 7 });
const exarp = initProject(tempDir());
const setup = time(() => exarp.transfer.importText(text));
report("read setup (import)", { tasks: TASKS, deps, ms: setup.ms });

const random = rng(1);
const cases = [
  ["list all", () => exarp.tasks.list({})],
  ["list todo+tag:api", () => exarp.tasks.list({ status: ["todo"], tags: ["api"] })],
  ["list text:cache limit 50", () => exarp.tasks.list({ text: "cache", limit: 50 })],
  ["get random id", () => exarp.tasks.get(ids[Math.floor(random() * ids.length)])],
];
for (const [name, fn] of cases) {
  const rows = fn();
  const ms = sample(fn, RUNS, 20);
  report(`read ${name}`, {
    rows: Array.isArray(rows) ? rows.length : 1,
    runs: RUNS,
    p50_ms: percentile(ms, 50),
    p99_ms: percentile(ms, 99),
  });
}
exarp.close();
finish();
