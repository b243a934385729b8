import { projectPaths } from "../../project/root.ts";
import type { CliCommand } from "../command.ts";

export const mcp: CliCommand = {
  name: "mcp",
  summary: "Serve MCP over stdio (8 tools, resources with change notifications) for agents' clients",
  usage: "",
  arity: [0, 0],
  examples: [
    "EXARP_AGENT=agent:build EXARP_SESSION=ses_1 exarp mcp   # identity for calls that do not pass `as`",
    'opencode.json: { "mcp": { "exarp": { "type": "local", "command": ["npx", "exarp", "mcp"] } } }  (exarp init --opencode)',
  ],
  async run(ctx) {
    const exarp = ctx.exarp();
    // Loaded here, not at start-up: the SDK costs every other command nothing.
    const { serveStdio } = await import("../../mcp/stdio.ts");
    await serveStdio(exarp, { watchDir: projectPaths(ctx.root()).dir, log: ctx.note });
    return { data: {}, text: "", silent: true };
  },
};
