// Importing another tool's tasks at 10k records through the built CLI (as a user runs it): beads
// issues.jsonl (2 blocking deps per issue, labels, a comment on every fifth) and a Taskmaster
// tasks.json (tasks of four subtasks each); the dry run, the import, then `exarp export` and a
// full-log restore of it into a fresh project (the round trip keeps every source record).
// Each figure includes the CLI's start (see cli-start.mjs). Run `npm run build` first: the bench runs
// a copy of dist/bin/ (a rebuild meanwhile on this shared machine changes nothing it measures).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { finish, report, rng, tempDir, time } from "./util.mjs";

const built = fileURLToPath(new URL("../dist/bin", import.meta.url));
if (!existsSync(join(built, "exarp.js"))) throw new Error(`${built}/exarp.js is missing: run \`npm run build\` first`);
const own = tempDir();
cpSync(built, join(own, "bin"), { recursive: true });
for (let dir = dirname(built); dir !== dirname(dir); dir = dirname(dir)) {
  if (!existsSync(join(dir, "node_modules", "better-sqlite3"))) continue;
  symlinkSync(join(dir, "node_modules"), join(own, "node_modules"));
  break;
}
const CLI = join(own, "bin", "exarp.js");
const env = { ...process.env, EXARP_AGENT: "user:bench" };
for (const key of ["EXARP_PROJECT_ROOT", "EXARP_SESSION", "EXARP_DATABASE_URL"]) delete env[key];

/** Runs the CLI in `cwd`; returns its parsed --json answer (throws with stderr on failure). */
function exarp(cwd, args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`exarp ${args.join(" ")}: ${r.stderr}`);
  return args.includes("--json") ? JSON.parse(r.stdout) : r.stdout;
}

function project() {
  const dir = tempDir();
  exarp(dir, ["init", "--yes"]);
  return dir;
}

const RECORDS = Number(process.env.BENCH_TASKS ?? 10_000);
const random = rng(7);
const pick = (n) => Math.floor(random() * n);

function beadsText() {
  const lines = [];
  for (let i = 0; i < RECORDS; i++) {
    const deps =
      i < 2 ? [] : [pick(i), pick(i)].map((d) => ({ issue_id: `bd-${i}`, depends_on_id: `bd-${d}`, type: "blocks" }));
    lines.push(
      JSON.stringify({
        id: `bd-${i}`,
        title: `Issue ${i}: refactor the parser`,
        description: "Some words about the work. ".repeat(8),
        status: ["open", "in_progress", "blocked", "closed"][pick(4)],
        priority: pick(5),
        issue_type: "task",
        created_at: "2025-10-01T09:00:00Z",
        updated_at: "2025-10-01T09:00:00Z",
        labels: ["backend", `area-${pick(10)}`],
        dependencies: deps,
        comments:
          i % 5 === 0
            ? [{ id: i, issue_id: `bd-${i}`, author: "ana", text: "noted", created_at: "2025-10-02T09:00:00Z" }]
            : [],
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

function taskmasterText() {
  const tasks = [];
  const parents = Math.floor(RECORDS / 5);
  for (let i = 1; i <= parents; i++) {
    tasks.push({
      id: i,
      title: `Task ${i}`,
      description: "What to do.",
      details: "How to do it. ".repeat(10),
      testStrategy: "How to know.",
      status: ["pending", "in-progress", "done", "deferred"][pick(4)],
      priority: ["low", "medium", "high"][pick(3)],
      dependencies: i > 1 ? [pick(i - 1) + 1, `${pick(i - 1) + 1}.1`] : [],
      subtasks: [1, 2, 3, 4].map((s) => ({
        id: s,
        title: `Step ${s}`,
        description: "",
        status: "pending",
        dependencies: s > 1 ? [s - 1] : [],
        parentTaskId: i,
      })),
    });
  }
  return JSON.stringify({ master: { tasks, metadata: { created: "2025-06-01T09:00:00.000Z" } } }, null, 2);
}

for (const [system, build, file] of [
  ["beads", beadsText, "issues.jsonl"],
  ["taskmaster", taskmasterText, "tasks.json"],
]) {
  const a = project();
  const text = build();
  writeFileSync(join(a, file), text);
  const dry = time(() => exarp(a, ["import", "--from", system, file, "--dry-run", "--json"]).import);
  report(`import-foreign ${system} dry-run`, {
    records: dry.result.tasks,
    mb: text.length / 1e6,
    events: dry.result.events,
    ms: dry.ms,
  });
  const imported = time(() => exarp(a, ["import", "--from", system, file, "--json"]).import);
  const r = imported.result;
  report(`import-foreign ${system} import`, {
    tasks: r.tasks,
    events: r.events,
    ms: imported.ms,
    "tasks/s": Math.round(r.tasks / (imported.ms / 1000)),
    problems: r.graphProblems.length,
  });
  const exported = time(() => exarp(a, ["export", "--out", "all.jsonl", "--json"]).export);
  report(`import-foreign ${system} export`, { events: exported.result.events, ms: exported.ms });
  const b = project();
  const restored = time(() => exarp(b, ["import", join(a, "all.jsonl"), "--json"]).import);
  const first = exarp(b, ["show", `${system}:${system === "beads" ? "bd-0" : "1"}`, "--json"]).task;
  report(`import-foreign ${system} restore`, {
    events: restored.result.events,
    ms: restored.ms,
    "events/s": Math.round(restored.result.events / (restored.ms / 1000)),
    "source kept": first.source?.system === system ? "yes" : "no",
  });
}

finish();
