// Run by team-plugin.test.ts under Bun: `bun team-plugin-script.ts <plugin module> <project folder> <held task>`.
// Loads the plugin module as OpenCode does (every export is a plugin, called with the plugin input:
// a client, the directory and worktree, Bun's shell), announces one primary session, reads the task
// context its system hook adds and the board and ready work through its tools, writes through its
// tools (a new task, a claim of <held task>, which the CLI holds, and of its own), disposes the hooks, and
// prints one JSON line with what it saw. An unusable project prints the plugin's log and exits 3.
import type { Hooks, Plugin, PluginInput } from "@opencode-ai/plugin";
import { tool } from "@opencode-ai/plugin";
import { recordingClient } from "./support/client.ts";

const [entry = "", directory = "", heldTask = ""] = process.argv.slice(2);
if (!entry || !directory || !heldTask) {
  console.error("usage: bun team-plugin-script.ts <plugin module> <project folder> <held task>");
  process.exit(2);
}

const SESSION = "ses_team_plugin";
const AGENT = "build";

const module = (await import(entry)) as Record<string, Plugin>;
const { client, logs, toasts } = recordingClient();
const input = {
  client,
  project: { id: "team-plugin", worktree: directory },
  directory,
  worktree: directory,
  experimental_workspace: { register: () => undefined },
  serverUrl: new URL("http://127.0.0.1:4096"),
  $: (globalThis as { Bun?: { $: unknown } }).Bun?.$,
} as unknown as PluginInput;

const plugins = Object.entries(module);
const [name, plugin] = plugins[0] ?? [];
if (plugins.length !== 1 || !plugin) throw new Error(`expected one export, got ${Object.keys(module).join(", ")}`);
const hooks: Hooks = await plugin(input);
if (!hooks.tool) {
  console.log(
    JSON.stringify({ state: "unusable", logs, toasts: toasts.map((t) => t.message), hooks: Object.keys(hooks) }),
  );
  await hooks.dispose?.();
  process.exit(3);
}
const tools = hooks.tool;

/** A tool call as OpenCode makes it: the arguments parsed by the tool's schema, then `execute`. */
async function call(toolName: string, args: Record<string, unknown> = {}): Promise<string> {
  const definition = tools[toolName];
  if (!definition) throw new Error(`no tool ${toolName}`);
  const parsed = tool.schema.object(definition.args).parse(args);
  const result = await definition.execute(parsed, {
    sessionID: SESSION,
    messageID: "msg_team_plugin",
    agent: AGENT,
    directory,
    worktree: directory,
    abort: new AbortController().signal,
    metadata: () => undefined,
    ask: async () => undefined,
  });
  return typeof result === "string" ? result : result.output;
}

// A primary session of the build agent, as OpenCode announces it.
await hooks.event?.({
  event: { type: "session.created", properties: { info: { id: SESSION, title: "team work" } } } as never,
});
await hooks["chat.message"]?.(
  { sessionID: SESSION, agent: AGENT } as never,
  {
    message: { id: "msg_team_plugin", sessionID: SESSION, agent: AGENT, model: { providerID: "p", modelID: "m" } },
    parts: [],
  } as never,
);

const system: string[] = [];
await hooks["experimental.chat.system.transform"]?.({ sessionID: SESSION, model: {} } as never, { system });
const board = await call("exarp_board");
const next = await call("exarp_next");
const added = await call("exarp_add", { title: "Plugin task", tags: ["team"] });
const addedId = /^Created (T-\w+) /.exec(added)?.[1];
const heldByCli = await call("exarp_lease", { id: heldTask });
const claimed = addedId ? await call("exarp_lease", { id: addedId }) : "";
const shell: { env: Record<string, string> } = { env: {} };
await hooks["shell.env"]?.({ cwd: directory, sessionID: SESSION } as never, shell);
await hooks.dispose?.();

console.log(
  JSON.stringify({
    state: "open",
    plugin: name,
    logs,
    toasts: toasts.map((t) => t.message),
    system,
    board,
    next,
    added,
    addedId,
    heldByCli,
    claimed,
    shell: shell.env,
  }),
);
