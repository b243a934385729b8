import { SHORT_BUSY_TIMEOUT_MS } from "../../kernel/busy.ts";
import { serverActor } from "../../mcp/identity.ts";
import { projectPaths } from "../../project/root.ts";
import { type CliCommand, UsageError } from "../command.ts";

export const mcp: CliCommand = {
  name: "mcp",
  summary: "Serve MCP over stdio (8 tools, resources with change notifications) for agents' clients",
  usage: "",
  arity: [0, 0],
  examples: [
    "exarp mcp --as agent:build --session ses_1   # or EXARP_AGENT / EXARP_SESSION; calls may pass `as` (an agent)",
    'opencode.json: { "mcp": { "exarp": { "type": "local", "command": ["npx", "exarp", "mcp"] } } }  (exarp init --opencode)',
  ],
  async run(ctx) {
    let note: string | undefined;
    // A long-lived process: each write attempt blocks at most SHORT_BUSY_TIMEOUT_MS, the server retries.
    const exarp = ctx.exarp({
      busyTimeoutMs: SHORT_BUSY_TIMEOUT_MS,
      actor: (given, fromEnv) => {
        const decided = serverActor(given, fromEnv, ctx.env.EXARP_AGENT);
        if (decided.refused) throw new UsageError(decided.refused);
        note = decided.note;
        return decided.actor;
      },
    });
    if (note) ctx.note(note);
    // Loaded here, not at start-up: the SDK costs every other command nothing.
    const { serveStdio } = await import("../../mcp/stdio.ts");
    await serveStdio(exarp, { watchDir: projectPaths(ctx.root()).dir, log: ctx.note });
    return { data: {}, text: "", silent: true };
  },
};
