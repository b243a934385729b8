// CLI start-up, side by side in one run (this machine is shared and noisy): bare `node -e 0`, the
// bundled CLI's --version, `list --json` on a small project, `add`, and `exarp mcp` answering
// `initialize` over stdio. Rounds interleave the cases so drift hits all of them alike.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { finish, percentile, report, tempDir } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 25);
const cli = fileURLToPath(new URL("../dist/bin/exarp.js", import.meta.url));
const cwd = tempDir();
const env = { ...process.env };
for (const key of ["EXARP_PROJECT_ROOT", "EXARP_AGENT", "EXARP_SESSION"]) delete env[key];

function run(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8" });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Milliseconds from spawning `exarp mcp` to its answer to `initialize`. */
function mcpInitialize() {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [cli, "mcp"], { cwd, env, stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes('"id":1')) {
        const ms = performance.now() - start;
        child.kill();
        resolve(ms);
      }
    });
    child.on("error", reject);
    const request = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "0" } },
    };
    child.stdin.write(`${JSON.stringify(request)}\n`);
  });
}

run([cli, "init"]);
for (let i = 0; i < 20; i++) run([cli, "add", `task ${i}`, "-q"]);
const cases = {
  "node -e 0 (the floor)": () => run(["-e", "0"]),
  "exarp --version": () => run([cli, "--version"]),
  "exarp list --json (20 tasks)": () => run([cli, "list", "--json"]),
  'exarp add "x"': () => run([cli, "add", "x", "-q"]),
  "exarp mcp → initialize answered": () => mcpInitialize(),
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const measure of Object.values(cases)) await measure(); // warm the OS file caches
for (let round = 0; round < N; round++) {
  for (const [name, measure] of Object.entries(cases)) times[name].push(await measure());
}
const floor = percentile(times["node -e 0 (the floor)"], 50);
for (const [name, ms] of Object.entries(times)) {
  const p50 = percentile(ms, 50);
  report(name, { n: N, p50_ms: p50, p90_ms: percentile(ms, 90), x_floor: Number((p50 / floor).toFixed(2)) });
}
finish();
