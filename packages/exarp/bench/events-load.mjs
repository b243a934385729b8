// The event stream under load, all on 127.0.0.1: a server process running `exarp serve`'s server
// (src/serve/server.ts, bundled here with esbuild: the server is part of the command line, not of the
// library in dist/), its clients authenticated by a viewer token; --clients stream clients (default 200), spread over a few
// client processes (workers/events-clients.mjs, plain node:http); --writers writer processes (default 8)
// × --writes tasks each (default 500), through the library, one transaction per write.
// Every client connects before the writes start (with Last-Event-ID at the head then) and must receive
// every event exactly once, in order: any miss, duplicate or reordering fails the bench. Figures: commit
// → client latency over every (client, event) pair (commit time taken in the writer right after COMMIT,
// receive time in the client process, both performance.timeOrigin + performance.now()), write
// throughput, and the server's RSS/heap before the writes, at the peak (sampled every 250 ms) and
// after, and its CPU time. Bounded: fails after --timeout seconds (default 300).
// Quick run: node bench/events-load.mjs --clients 20 --writers 2 --writes 50. Run `npm run build` first.
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { initProject } from "../dist/index.js";
import { spawnWorker } from "./child.mjs";
import { finish, percentile, report, tempDir } from "./util.mjs";

const { values: flags } = parseArgs({
  options: {
    clients: { type: "string", default: "200" },
    writers: { type: "string", default: "8" },
    writes: { type: "string", default: "500" },
    timeout: { type: "string", default: "300" },
    json: { type: "boolean", default: false },
  },
});
const CLIENTS = Number(flags.clients);
const WRITERS = Number(flags.writers);
const WRITES = Number(flags.writes);
const TIMEOUT_S = Number(flags.timeout);
/** Streams per client process: enough processes that parsing never becomes the bottleneck measured. */
const PER_PROCESS = 50;

const workers = [];
let phase = "setup";
const deadline = setTimeout(() => {
  console.log(`!! events-load: not finished after ${TIMEOUT_S} s (while: ${phase}); stopping`);
  for (const w of workers) w.child.kill("SIGKILL");
  process.exit(1);
}, TIMEOUT_S * 1000);
deadline.unref();

const spawn = (script, args, name) => {
  const worker = spawnWorker(script, args, { name });
  workers.push(worker);
  return worker;
};

const MB = (bytes) => bytes / 2 ** 20;

// The server as the command line carries it, bundled once into a temporary folder.
const serverPath = `${tempDir()}/serve.mjs`;
await build({
  entryPoints: [fileURLToPath(new URL("../src/serve/server.ts", import.meta.url))],
  outfile: serverPath,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});

const root = tempDir();
initProject(root, { actor: { name: "user:bench", session: null } }).close();

const server = spawn("events-server.mjs", [root, serverPath], "server");
const { port, head, secret } = await server.next();
const stats = async () => {
  server.send("stats");
  return server.next();
};

phase = "connecting clients";
const base = performance.timeOrigin + performance.now();
const total = WRITERS * WRITES;
const clientProcesses = [];
for (let left = CLIENTS; left > 0; left -= PER_PROCESS) {
  const count = Math.min(PER_PROCESS, left);
  clientProcesses.push(
    spawn("events-clients.mjs", [port, count, head, total, base, secret], `clients${clientProcesses.length}`),
  );
}
let failures = 0;
for (const c of clientProcesses) {
  const { errors } = await c.next();
  for (const e of errors) console.log(`!! ${e}`);
  failures += errors.length;
}
const before = await stats();
if (before.clients !== CLIENTS) {
  console.log(`!! the server has ${before.clients} streams open, not ${CLIENTS}`);
  failures++;
}

phase = "starting writers";
const writers = Array.from({ length: WRITERS }, (_, i) => spawn("events-writer.mjs", [root, i, WRITES], `writer${i}`));
await Promise.all(writers.map((w) => w.next()));

phase = "writing and streaming";
let peak = before;
const sampling = setInterval(async () => {
  const s = await stats();
  if (s.rss > peak.rss) peak = s;
}, 250);
const started = performance.now();
for (const w of writers) w.send("go");
const written = await Promise.all(writers.map((w) => w.next()));
const writeMs = performance.now() - started;
const results = await Promise.all(clientProcesses.map((c) => c.next()));
const streamedMs = performance.now() - started;
clearInterval(sampling);
const after = await stats();

phase = "checking";
const committedAt = new Map();
for (const w of written) for (const [seq, at] of w.commits) committedAt.set(seq, at);
if (committedAt.size !== total) {
  console.log(`!! the writers committed ${committedAt.size} events, not ${total}`);
  failures++;
}
const latencies = [];
for (const r of results) {
  for (const e of r.errors) console.log(`!! ${e}`);
  failures += r.errors.length;
  for (const times of r.received) {
    if (times.length !== total) continue; // reported as an error by its process
    for (let i = 0; i < total; i++) latencies.push(times[i] / 100 + base - committedAt.get(head + 1 + i));
  }
}
const complete = latencies.length / total;
report("events-load setup", {
  clients: CLIENTS,
  client_procs: clientProcesses.length,
  writers: WRITERS,
  writes: WRITES,
  events: total,
});
report("events-load delivery", {
  complete_clients: complete,
  deliveries: latencies.length,
  p50_ms: percentile(latencies, 50),
  p99_ms: percentile(latencies, 99),
  max_ms: latencies.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
});
report("events-load throughput", {
  writes_per_s: (total / writeMs) * 1000,
  write_s: writeMs / 1000,
  all_delivered_s: streamedMs / 1000,
  busy_retries: written.reduce((n, w) => n + w.busy, 0),
});
report("events-load server memory", {
  rss_before_mb: MB(before.rss),
  rss_peak_mb: MB(peak.rss),
  rss_after_mb: MB(after.rss),
  heap_before_mb: MB(before.heapUsed),
  heap_after_mb: MB(after.heapUsed),
});
report("events-load server", { cpu_ms: after.cpuMs - before.cpuMs, dropped: after.dropped, head: after.head });
if (after.dropped !== 0) failures++;
if (complete !== CLIENTS) failures++;

await Promise.all(writers.map((w) => w.stop()));
await server.stop();
finish();
if (failures) {
  console.log(`!! events-load: ${failures} check(s) failed`);
  process.exitCode = 1;
}
