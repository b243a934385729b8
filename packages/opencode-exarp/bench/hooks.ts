// Hook latency inside Bun (the runtime OpenCode runs plugins in), with 10,000 tasks in the store:
// the messages, system-prompt, tool-output and chat.params hooks, when nothing changed and right after another
// process committed a change. Run: npx bun packages/opencode-exarp/bench/hooks.ts
// The OpenCode client is replaced by a no-op here: the hooks under measurement never wait on it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initProject } from "exarp";
import { ExarpPlugin } from "../src/plugin.ts";

const CLI = join(import.meta.dir, "..", "..", "exarp", "dist", "bin", "exarp.js");
const root = mkdtempSync(join(tmpdir(), "exarp-hooks-"));
const setup = initProject(root);
const lines = Array.from({ length: 10_000 }, (_, i) =>
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
setup.transfer.importText(lines.join("\n"));
const session = "ses_bench";
setup.as({ name: "agent:build", session }).leases.claim({ taskId: setup.graph.ready({ limit: 1 })[0]?.id as string });
setup.close();

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
const message = { id: "msg_1", sessionID: session, agent: "build", model: { providerID: "mock", modelID: "m" } };
await hooks.event?.({
  event: { type: "session.created", properties: { info: { id: session, title: "bench" } } },
} as never);
await hooks["chat.message"]?.({ sessionID: session } as never, { message, parts: [] } as never);

const hrms = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;
async function measure(name: string, runs: number, before: () => void, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    const t = hrms();
    await fn();
    samples.push(hrms() - t);
  }
  console.log(
    `${name.padEnd(44)} runs=${String(runs).padEnd(6)} p50_ms=${pct(samples, 50).toFixed(4)}  p99_ms=${pct(samples, 99).toFixed(4)}`,
  );
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
  spawnSync(process.execPath.endsWith("bun") ? "node" : process.execPath, [
    CLI,
    "-C",
    root,
    "comment",
    "T-1",
    "changed elsewhere",
  ]);
};

for (const [name, fn] of [
  ["messages.transform", messages],
  ["system.transform", system],
  ["tool.execute.after", after],
  ["chat.params", params],
] as const) {
  for (let i = 0; i < 200; i++) await fn();
  await measure(`${name}, nothing changed`, 10_000, nothing, fn);
  await measure(`${name}, after another process wrote`, 30, otherProcessWrites, fn);
}
await hooks.dispose?.();
rmSync(root, { recursive: true, force: true });
