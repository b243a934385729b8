// Acting as another identity, in one process, over BENCH_TASKS tasks (default 20000, ~3 dependencies
// each): `exarp.as({ name, session: null })` then a read, BENCH_RUNS times (default 100) for the same
// identity and for a fresh identity every time (what one server does for many tokens). The graph
// cache, bus and watcher belong to the process, so both should cost the same. Reads: graph.ready()
// (the materialised ready set) and graph.plan() (waves and critical path over the cached graph). For
// scale, plan() on a fresh exarp over the same store: the graph rebuilt for an identity, as a cache
// per identity would pay on every switch.
import { createExarp, initProject } from "../dist/index.js";
import { buildExport, finish, percentile, report, sample, tempDir, time } from "./util.mjs";

const TASKS = Number(process.env.BENCH_TASKS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);

const exarp = initProject(tempDir(), { actor: { name: "user:bench", session: null } });
const built = buildExport({ tasks: TASKS, deps: TASKS * 3, comments: 0, seed: 3 });
const imported = time(() => exarp.transfer.importText(built.text));
report("identity setup", { tasks: TASKS, deps: built.deps, import_ms: imported.ms });

const stats = (ms) => ({ runs: ms.length, p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99) });
let fresh = 0;
const same = () => exarp.as({ name: "agent:x", session: null });
const another = () => exarp.as({ name: `agent:x${fresh++}`, session: null });

for (const read of ["ready", "plan"]) {
  report(`identity same, as().graph.${read}()`, stats(sample(() => same().graph[read](), RUNS, 5)));
  report(`identity fresh, as().graph.${read}()`, stats(sample(() => another().graph[read](), RUNS, 5)));
}
const rebuilt = sample(
  () => createExarp({ store: exarp.store, actor: { name: `agent:y${fresh++}`, session: null } }).graph.plan(),
  Math.min(RUNS, 20),
  1,
);
report("identity rebuilt graph, plan()", stats(rebuilt));
exarp.close();
finish();
