// Hook latency inside Bun (the runtime OpenCode runs plugins in), with 10,000 tasks in the store, in both
// modes back to back: the plugin opening a SQLite project (.exarp/exarp.db) and a team-mode project
// (.exarp/config.json naming a PostgreSQL schema). Measured: the messages, system-prompt, tool-output and
// chat.params hooks, when nothing changed (BENCH_HOOK_RUNS, default 10,000 calls each) and right after
// another process (the exarp CLI under node) committed a change (BENCH_HOOK_WRITES, default 30 each).
// PostgreSQL is EXARP_BENCH_POSTGRES_URL, else a throw-away cluster (fsync=on, synchronous_commit=on)
// started here and stopped at the end; BENCH_BACKENDS=sqlite (or =postgres) runs one mode only.
// Target: nothing changed <= 50 µs p99 in both modes. Run: npx bun packages/opencode-exarp/bench/hooks.ts
// The OpenCode client is replaced by a no-op here: the hooks under measurement never wait on it.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { initProject } from "exarp";
import { figure, importInto, openBackends, sideBySide } from "../../exarp/bench/backends.mjs";
import { ExarpPlugin } from "../src/plugin.ts";

const CLI = join(import.meta.dir, "..", "..", "exarp", "dist", "bin", "exarp.js");
const RUNS = Number(process.env.BENCH_HOOK_RUNS ?? 10_000);
const WRITES = Number(process.env.BENCH_HOOK_WRITES ?? 30);
const TASKS = 10_000;

type Backend = { name: string; label: string; root(): string };

const lines = Array.from({ length: TASKS }, (_, i) =>
  JSON.stringify({
    kind: "task",
    id: `T-${i}`,
    title: `task ${i}`,
    description: "",
    status: i % 3 ? "todo" : "done",
    priority: "medium",
    tags: [],
    parentId: null,
    estimate: null,
    assignee: null,
    createdAt: i,
    updatedAt: i,
    version: 1,
    dependsOn: i % 5 === 0 && i > 0 ? [`T-${i - 1}`] : [],
  }),
);

const hrms = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

async function run(backend: Backend) {
  const root = backend.root();
  const setup = initProject(root);
  const t0 = hrms();
  await importInto(backend, setup, root, lines.join("\n"));
  const session = "ses_bench";
  setup.as({ name: "agent:build", session }).leases.claim({ taskId: setup.graph.ready({ limit: 1 })[0]?.id as string });
  setup.close();
  console.log(`hooks ${backend.label}: ${TASKS} tasks imported in ${Math.round(hrms() - t0)} ms`);

  const ok = async () => ({ data: [], response: { status: 200 } });
  const client = {
    app: { log: ok, agents: ok },
    tui: { showToast: ok },
    session: { prompt: ok, promptAsync: ok, summarize: ok },
  };
  const hooks = await ExarpPlugin({
    client,
    directory: root,
    worktree: root,
    project: {},
    serverUrl: new URL("http://localhost"),
    $: {},
  } as never);
  if (!hooks["experimental.chat.messages.transform"])
    throw new Error(`hooks ${backend.label}: the plugin did not open the project`);
  const message = { id: "msg_1", sessionID: session, agent: "build", model: { providerID: "mock", modelID: "m" } };
  await hooks.event?.({
    event: { type: "session.created", properties: { info: { id: session, title: "bench" } } },
  } as never);
  await hooks["chat.message"]?.({ sessionID: session } as never, { message, parts: [] } as never);

  async function measure(name: string, runs: number, before: () => void, fn: () => Promise<unknown>) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      before();
      const t = hrms();
      await fn();
      samples.push(hrms() - t);
    }
    console.log(
      `${`${backend.label} ${name}`.padEnd(54)} runs=${String(runs).padEnd(6)} p50_ms=${pct(samples, 50).toFixed(4)}  p99_ms=${pct(samples, 99).toFixed(4)}`,
    );
    return samples;
  }
  const step = () => [
    {
      info: { id: "msg_1", sessionID: session, role: "user" },
      parts: [{ id: "prt_0a1b2c3d4e5fABCDEFGHIJKLMN", type: "text", text: "hi" }],
    },
  ];
  const messages = () => hooks["experimental.chat.messages.transform"]?.({}, { messages: step() } as never);
  const system = () =>
    hooks["experimental.chat.system.transform"]?.({ sessionID: session, model: {} } as never, {
      system: ["You are opencode"],
    });
  const after = () =>
    hooks["tool.execute.after"]?.({ tool: "read", sessionID: session, callID: "c" } as never, {
      title: "",
      output: "file",
      metadata: {},
    });
  const params = () =>
    hooks["chat.params"]?.(
      {
        sessionID: session,
        agent: "build",
        model: { limit: { context: 1e5, output: 1e4 } },
        provider: {},
        message,
      } as never,
      { temperature: 0, topP: 1, topK: 0, options: {} } as never,
    );
  const nothing = () => undefined;
  const otherProcessWrites = () => {
    const r = spawnSync(process.execPath.endsWith("bun") ? "node" : process.execPath, [
      CLI,
      "-C",
      root,
      "comment",
      "T-1",
      "changed elsewhere",
    ]);
    if (r.status !== 0) throw new Error(`hooks ${backend.label}: the CLI write failed: ${r.stderr}`);
  };

  for (const [name, fn] of [
    ["messages.transform", messages],
    ["system.transform", system],
    ["tool.execute.after", after],
    ["chat.params", params],
  ] as const) {
    for (let i = 0; i < 200; i++) await fn();
    const idle = await measure(`${name}, nothing changed`, RUNS, nothing, fn);
    figure(`hooks ${name}, nothing changed p50 µs`, backend.label, pct(idle, 50) * 1000);
    figure(`hooks ${name}, nothing changed p99 µs`, backend.label, pct(idle, 99) * 1000, {
      max: 50,
      for: ["sqlite", "postgres"],
    });
    if (WRITES > 0) {
      const changed = await measure(`${name}, after another process wrote`, WRITES, otherProcessWrites, fn);
      figure(`hooks ${name}, after another process wrote p50 ms`, backend.label, pct(changed, 50));
    }
  }
  await hooks.dispose?.();
}

const backends = await openBackends();
try {
  for (const backend of backends.list as Backend[]) await run(backend);
  sideBySide("OpenCode plugin hooks under Bun, side by side (sqlite: .exarp/exarp.db; postgres: team mode)");
} finally {
  await backends.close();
}
