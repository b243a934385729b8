import type { CliCommand } from "../command.ts";

export const run: CliCommand = {
  name: "run",
  summary:
    "Work the ready tasks with parallel OpenCode sessions: placed by capability, leased, results recorded, the task to review; approved work starts its dependents",
  usage: "",
  arity: [0, 0],
  options: {
    max: { type: "string", value: "N", help: "most sessions at once (default: one per --can, else 2)" },
    can: {
      type: "string",
      multiple: true,
      value: "TAGS",
      help: "one slot that takes tasks with these tags (comma-separated; repeat per slot; default: any task)",
    },
    agent: { type: "string", value: "NAME", help: "the OpenCode agent the sessions use (default: OpenCode's)" },
    model: { type: "string", value: "PROVIDER/MODEL", help: "the model the sessions use (default: OpenCode's)" },
    worktree: {
      type: "boolean",
      help: "each task in its own git worktree and branch exarp/ID, starting from its approved blockers' work",
    },
    timeout: { type: "string", value: "SEC", help: "abort an attempt running longer, and count it as failed" },
    attempts: { type: "string", value: "N", help: "attempts per task before it is blocked (default 3)" },
    "retry-delay": {
      type: "string",
      value: "SEC",
      help: "wait before the second attempt, doubling after (default 10)",
    },
    "until-idle": { type: "boolean", help: "exit when nothing is ready or running (default: keep watching)" },
    url: {
      type: "string",
      value: "URL",
      help: "a running `opencode serve` (default: start one here, stopped with the runner)",
    },
    ttl: {
      type: "string",
      value: "SEC",
      help: "the length of the runner's leases, renewed at a third of it (default 900)",
    },
    "report-to": {
      type: "string",
      value: "SESSION",
      help: "an OpenCode session told of each finished task (a quiet note), and toasts for a finished wave or a blocked task",
    },
    "no-notify": { type: "boolean", help: "no desktop notification when a wave is done or a task is blocked" },
    opencode: { type: "string", value: "BIN", help: "the OpenCode binary to start (default: opencode on PATH)" },
  },
  examples: [
    "exarp run --until-idle                 # start OpenCode here, work what is ready, exit when nothing is left",
    "exarp run --max 3 --worktree           # three sessions, each task in its own worktree and branch",
    "exarp run --can backend --can frontend --url http://127.0.0.1:4096",
    "exarp run --json | jq -c .progress     # one JSON object per change",
    "# the runner acts as agent:runner (--as another agent); it never approves: a person does, and dependents start",
  ],
  fields: { max: "--max", timeout: "--timeout" },
  load: async () => (await import("../commands/run.ts")).run,
};
