// CLI start-up, side by side in one run (this machine is shared and noisy): bare `node -e 0`, the
// built CLI's --version, `list --json` on a small project, `add`, and `exarp mcp` answering
// `initialize` (and then `tools/list`) over stdio. Rounds interleave every case so drift hits all of
// them alike. Then what each step of the build saves, measured in the same rounds: (1) the previous
// layout, ES module chunks with zod whole, built here into a temporary folder; (2) one CommonJS
// bundle, zod whole, no code cache; (3) the shipped bundle (zod's English messages only) without the
// code cache (NODE_DISABLE_COMPILE_CACHE=1); (4) as shipped, with the V8 code cache. Every step runs
// the same source: what the source itself gained (no MCP SDK at start-up, node:crypto and zod on
// first use) is in all four; BENCH_BASELINE=<git revision> adds that revision as it was built then,
// first. Run `npm run build` first; BENCH_N sets the rounds (default 25).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleCli } from "../scripts/build.mjs";
import { finish, percentile, report, tempDir } from "./util.mjs";

const N = Number(process.env.BENCH_N ?? 25);
const here = dirname(fileURLToPath(import.meta.url));
const built = join(here, "../dist/bin");
if (!existsSync(join(built, "exarp.js"))) throw new Error(`${built}/exarp.js is missing: run \`npm run build\` first`);
const cwd = tempDir();
const env = { ...process.env };
for (const key of ["EXARP_PROJECT_ROOT", "EXARP_AGENT", "EXARP_SESSION", "NODE_DISABLE_COMPILE_CACHE"]) delete env[key];
const noCache = { ...env, NODE_DISABLE_COMPILE_CACHE: "1" };

/** The folder holding better-sqlite3, linked into each package this bench installs. */
function nodeModules() {
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", "better-sqlite3"))) return join(dir, "node_modules");
  }
  throw new Error("better-sqlite3 is not installed");
}

/**
 * A package folder of the bench's own, `dist/bin/` filled by `fill`, better-sqlite3 linked into its
 * node_modules/ (where the launcher keeps its code cache): a rebuild or the tests running meanwhile
 * on this shared machine change nothing it measures.
 */
async function install(fill) {
  const pkg = tempDir("exarp-bench-pkg-");
  const bin = join(pkg, "dist", "bin");
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(pkg, "node_modules"));
  symlinkSync(join(nodeModules(), "better-sqlite3"), join(pkg, "node_modules", "better-sqlite3"), "dir");
  await fill(bin);
  return join(bin, "exarp.js");
}

const copyBuilt = (bin) => {
  for (const file of readdirSync(built)) copyFileSync(join(built, file), join(bin, file));
};
/** The CLI as built, and the other layouts built here from the same source: the previous one, and zod whole. */
const cli = await install(copyBuilt);
const layouts = {
  esm: await install(async (bin) => {
    await bundleCli({ outdir: bin, layout: "esm-split", allLocales: true });
    writeFileSync(join(bin, "package.json"), JSON.stringify({ type: "module" }));
  }),
  whole: await install(async (bin) => {
    copyBuilt(bin);
    await bundleCli({ outdir: bin, allLocales: true });
  }),
};

function run(args, runEnv = env) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env: runEnv, encoding: "utf8" });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "0" } },
};

/**
 * `exarp mcp` as a client starts it: milliseconds from the spawn to the answer to `initialize`, and
 * to the answer to the `tools/list` sent once `initialize` was answered (as clients do).
 */
function mcp(entry, runEnv = env) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [entry, "mcp"], { cwd, env: runEnv, stdio: ["pipe", "pipe", "ignore"] });
    const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
    let out = "";
    let initialized;
    child.stdout.on("data", (d) => {
      out += d;
      if (initialized === undefined && out.includes('"id":1')) {
        initialized = performance.now() - start;
        send({ jsonrpc: "2.0", method: "notifications/initialized" });
        send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      }
      if (initialized !== undefined && out.includes('"id":2')) {
        const tools = performance.now() - start;
        child.stdin.end();
        child.on("exit", () => resolve({ initialized, tools }));
      }
    });
    child.on("error", reject);
    send(INITIALIZE);
  });
}

run([cli, "init"]);
for (let i = 0; i < 20; i++) run([cli, "add", `task ${i}`, "-q"]);

/** Every measured case: a name and a function resolving to { case name: ms }. */
const cases = [
  ["floor", () => ({ "node -e 0 (the floor)": run(["-e", "0"]) })],
  ["version", () => ({ "exarp --version": run([cli, "--version"]) })],
  ["list", () => ({ "exarp list --json (20 tasks)": run([cli, "list", "--json"]) })],
  // What the first run of a verb costs: a fresh copy of the CLI, with no code cache yet (this run writes it).
  ["first", async () => ({ "list --json, first run (no cache)": run([await install(copyBuilt), "list", "--json"]) })],
  ["add", () => ({ 'exarp add "x"': run([cli, "add", "x", "-q"]) })],
  [
    "mcp",
    async () => {
      const t = await mcp(cli);
      return { "exarp mcp → initialize answered": t.initialized, "exarp mcp → tools/list answered": t.tools };
    },
  ],
];

/**
 * BENCH_BASELINE=<git revision> adds that revision as built then (its own build script, from
 * `git archive`, with this checkout's node_modules) as the first step: the whole gain in one run.
 */
function baseline(rev) {
  const dir = tempDir("exarp-bench-baseline-");
  const repo = join(here, "..", "..", "..");
  const tar = execFileSync("git", ["archive", "--format=tar", rev], { cwd: repo, maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  symlinkSync(nodeModules(), join(dir, "node_modules"), "dir");
  execFileSync(process.execPath, [join(dir, "packages", "exarp", "scripts", "build.mjs")], { stdio: "ignore" });
  return join(dir, "packages", "exarp", "dist", "bin", "exarp.js");
}

/** The steps, oldest first; each is measured on the same verbs. */
const steps = [
  ["ES module chunks, zod whole", layouts.esm, env],
  ["one CommonJS bundle", layouts.whole, noCache],
  ["zod's English messages only", cli, noCache],
  ["V8 code cache (as shipped)", cli, env],
];
if (process.env.BENCH_BASELINE)
  steps.unshift([`${process.env.BENCH_BASELINE} as built then`, baseline(process.env.BENCH_BASELINE), env]);
const verbs = ["list --json", "add", "mcp initialize", "mcp tools/list"];
for (const [step, entry, runEnv] of steps) {
  cases.push([
    step,
    async () => {
      const t = await mcp(entry, runEnv);
      return {
        [`${step}|list --json`]: run([entry, "list", "--json"], runEnv),
        [`${step}|add`]: run([entry, "add", "x", "-q"], runEnv),
        [`${step}|mcp initialize`]: t.initialized,
        [`${step}|mcp tools/list`]: t.tools,
      };
    },
  ]);
}

const machine = () =>
  `${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;
console.log(`node ${process.version}, ${machine()} (at the start), ${N} rounds`);
const times = {};
// Warm the OS file caches, and let the first run of each verb write its code cache.
for (const [, measure] of cases) await measure();
for (let round = 0; round < N; round++) {
  for (const [, measure] of cases) {
    for (const [name, ms] of Object.entries(await measure())) {
      times[name] ??= [];
      times[name].push(ms);
    }
  }
}

const p50 = (name) => percentile(times[name], 50);
const floor = p50("node -e 0 (the floor)");
for (const [name, ms] of Object.entries(times)) {
  if (name.includes("|")) continue;
  report(name, {
    n: N,
    p50_ms: p50(name),
    p90_ms: percentile(ms, 90),
    x_floor: Number((p50(name) / floor).toFixed(2)),
  });
}

console.log("\nwhat each step saves, on the same verbs (p50 ms, then the change from the step above)");
const short = { "list --json": "list", add: "add", "mcp initialize": "mcp_init", "mcp tools/list": "mcp_tools" };
let previous;
for (const [i, [step]] of steps.entries()) {
  const row = Object.fromEntries(verbs.map((verb) => [short[verb], p50(`${step}|${verb}`)]));
  report(`${i + 1}. ${step}`, row);
  if (previous)
    report(
      "   saves",
      Object.fromEntries(Object.entries(row).map(([k, ms]) => [k, Number((previous[k] - ms).toFixed(1))])),
    );
  previous = row;
}
console.log(`\n${machine()} (at the end)`);
finish();
