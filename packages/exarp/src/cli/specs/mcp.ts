import type { CliCommand } from "../command.ts";

export const mcp: CliCommand = {
  name: "mcp",
  summary: "Serve MCP over stdio (8 tools, resources with change notifications) for agents' clients",
  usage: "",
  arity: [0, 0],
  examples: [
    "exarp mcp --as agent:build --session ses_1   # or EXARP_AGENT / EXARP_SESSION; calls may pass `as` (an agent)",
    "exarp init --claude-code   # writes the entry (this node and CLI, --as agent:claude-code) once it answers initialize",
  ],
  loadsZodItself: true,
  load: async () => (await import("../commands/mcp.ts")).mcp,
};
