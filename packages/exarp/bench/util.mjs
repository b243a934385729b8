// Shared bench helpers: temp dirs, timing, percentiles, aligned report lines, a --json summary, and a synthetic export.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";

const dirs = [];
const results = [];
export const wantsJson = process.argv.includes("--json");

/** A fresh directory under os.tmpdir(), removed when the process exits. */
export function tempDir(prefix = "exarp-bench-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function cleanup() {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);

/** Wall milliseconds (fractional) spent in `fn`, and its result. */
export function time(fn) {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** Nearest-rank percentile (p in 0..100) of numeric samples. */
export function percentile(samples, p) {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const mean = (samples) => samples.reduce((a, b) => a + b, 0) / samples.length;

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns per-run milliseconds. */
export function sample(fn, runs = 200, warmup = 20) {
  for (let i = 0; i < warmup; i++) fn(i);
  const out = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn(i);
    out[i] = performance.now() - start;
  }
  return out;
}

const fmt = (v) =>
  typeof v !== "number" ? String(v) : Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v.toPrecision(3);

/** Prints one aligned line `name  key=value ...` and keeps it for the --json summary. */
export function report(name, fields) {
  results.push({ name, ...fields });
  const cells = Object.entries(fields).map(([k, v]) => `${k}=${fmt(v)}`.padEnd(18));
  console.log(`${name.padEnd(34)} ${cells.join(" ")}`.trimEnd());
}

/** Prints the JSON summary line when --json was passed; call once at the end. */
export function finish() {
  if (wantsJson) console.log(JSON.stringify({ bench: basename(process.argv[1] ?? ""), results }));
  cleanup();
}

/** Deterministic PRNG (mulberry32) so every run builds the same data. */
export function rng(seed = 42) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = ["api", "ui", "db", "cache", "auth", "perf", "docs", "infra", "cli", "test"];
const WORDS = ["fix", "add", "cache", "login", "refactor", "parser", "index", "retry", "timeout", "export", "schema"];
const STATUSES = ["todo", "todo", "todo", "in_progress", "review", "done", "done", "blocked", "cancelled"];
const PRIORITIES = ["low", "medium", "medium", "high", "critical"];

/**
 * JSONL export text (header, `task` lines, `comment` lines) of `tasks` tasks with about `deps`
 * acyclic dependencies (each task depends only on earlier ones) and `comments` comments.
 */
export function buildExport({ tasks, deps, comments, seed = 42 }) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const id = (i) => `T-b${String(i).padStart(5, "0")}`;
  const base = Date.UTC(2026, 0, 1);
  const lines = [JSON.stringify({ kind: "exarp.export", version: 1, exportedAt: base, tasks, comments, events: 0 })];
  let depCount = 0;
  for (let i = 0; i < tasks; i++) {
    const wanted = i === 0 ? 0 : Math.round(((deps - depCount) / (tasks - i)) * 2 * r());
    const dependsOn = new Set();
    for (let k = 0; k < wanted && dependsOn.size < i; k++) dependsOn.add(id(Math.floor(r() * i)));
    depCount += dependsOn.size;
    const createdAt = base + i * 1000;
    lines.push(
      JSON.stringify({
        kind: "task",
        id: id(i),
        title: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} #${i}`,
        description: `Synthetic task ${i}: ${pick(WORDS)} the ${pick(WORDS)} path.`,
        status: pick(STATUSES),
        priority: pick(PRIORITIES),
        tags: [...new Set(Array.from({ length: Math.floor(r() * 4) }, () => pick(TAGS)))].sort(),
        parentId: i > 0 && r() < 0.1 ? id(Math.floor(r() * i)) : null,
        estimate: r() < 0.5 ? Math.floor(r() * 480) : null,
        assignee: r() < 0.3 ? `agent-${Math.floor(r() * 5)}` : null,
        createdAt,
        updatedAt: createdAt,
        version: 1,
        dependsOn: [...dependsOn].sort(),
      }),
    );
  }
  for (let c = 0; c < comments; c++) {
    lines.push(
      JSON.stringify({
        kind: "comment",
        id: `c-bench${String(c).padStart(6, "0")}`,
        taskId: id(Math.floor(r() * tasks)),
        body: `Comment ${c}: ${pick(WORDS)} ${pick(WORDS)}`,
        author: `agent-${c % 5}`,
        createdAt: base + tasks * 1000 + c,
      }),
    );
  }
  return { text: `${lines.join("\n")}\n`, ids: Array.from({ length: tasks }, (_, i) => id(i)), deps: depCount };
}

/**
 * JSONL export of `tasks` tasks with about `deps` dependencies, each on an earlier task (acyclic).
 * Work progresses front to back: early tasks are more likely done (30% overall), 10% are in progress,
 * the rest todo. With `chain`, task i also depends on task i-1, so every task reaches all earlier ones.
 */
export function graphExport({ tasks, deps, chain = false, seed = 42 }) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const id = (i) => `T-g${String(i).padStart(6, "0")}`;
  const base = Date.UTC(2026, 0, 1);
  const lines = [JSON.stringify({ kind: "exarp.export", version: 1, exportedAt: base, tasks, comments: 0, events: 0 })];
  let depCount = 0;
  for (let i = 0; i < tasks; i++) {
    const dependsOn = new Set(chain && i > 0 ? [id(i - 1)] : []);
    const wanted = i === 0 ? 0 : Math.round(((deps - depCount) / (tasks - i)) * 2 * r());
    for (let k = 0; dependsOn.size < wanted && dependsOn.size < i && k < wanted * 4; k++)
      dependsOn.add(id(Math.floor(r() * i)));
    depCount += dependsOn.size;
    const u = r();
    const status = u < 0.6 * (1 - i / tasks) ? "done" : u > 0.9 ? "in_progress" : "todo";
    const createdAt = base + i * 1000;
    lines.push(
      JSON.stringify({
        kind: "task",
        id: id(i),
        title: `graph task #${i}`,
        description: `Synthetic task ${i}.`,
        status,
        priority: pick(PRIORITIES),
        tags: [...new Set(Array.from({ length: Math.floor(r() * 3) }, () => pick(TAGS)))].sort(),
        parentId: null,
        estimate: r() < 0.5 ? Math.floor(r() * 480) : null,
        assignee: null,
        createdAt,
        updatedAt: createdAt,
        version: 1,
        dependsOn: [...dependsOn].sort(),
      }),
    );
  }
  return { text: `${lines.join("\n")}\n`, id, deps: depCount };
}
