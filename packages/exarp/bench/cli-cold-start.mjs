// CLI cold start: wall time of spawning `node dist/cli/main.js` for --version, list and add, against bare `node`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { finish, mean, percentile, report, tempDir } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 20);
const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const cwd = tempDir();
const env = { ...process.env };
for (const key of ["EXARP_PROJECT_ROOT", "EXARP_AGENT", "EXARP_ACTOR", "EXARP_SESSION"]) delete env[key];

function spawn(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8" });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

spawn([cli, "init"]);
const cases = [
  ["node -e '' (baseline)", ["-e", ""]],
  ["cli --version", [cli, "--version"]],
  ["cli list", [cli, "list"]],
  ['cli add "x"', [cli, "add", "x"]],
];
for (const [name, args] of cases) {
  spawn(args); // one unmeasured run so every case starts with warm OS file caches
  const ms = Array.from({ length: N }, () => spawn(args));
  report(name, { n: N, mean_ms: mean(ms), p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99) });
}
finish();
