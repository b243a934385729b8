// Runs every exarp benchmark in sequence, each in its own process, after printing the machine it runs on.
import { spawnSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const scripts = [
  "append.mjs",
  "import.mjs",
  "read.mjs",
  "graph.mjs",
  "cli-start.mjs",
  "claims.mjs",
  "feed-latency.mjs",
  "read-under-lock.mjs",
  "identity-switch.mjs",
  "events-load.mjs",
  "dashboard.mjs",
];
const cpu = cpus();
// The load average says how much else the machine was doing (a shared machine makes every figure noisier).
console.log(
  `machine: ${cpu[0]?.model ?? "unknown cpu"} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

let failed = 0;
for (const script of scripts) {
  console.log(`\n== ${script}`);
  const path = fileURLToPath(new URL(script, import.meta.url));
  const r = spawnSync(process.execPath, [path, ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.status !== 0) {
    console.log(`!! ${script} exited with ${r.status ?? r.signal}`);
    failed++;
  }
}
process.exitCode = failed ? 1 : 0;
