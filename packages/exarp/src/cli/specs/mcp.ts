import type { CliCommand } from "../command.ts";

export const mcp: CliCommand = {
  name: "mcp",
  summary: "Serve MCP over stdio (8 tools, resources with change notifications) for agents' clients",
  usage: "",
  arity: [0, 0],
  examples: [
    "exarp mcp --as agent:build --session ses_1   # or EXARP_AGENT / EXARP_SESSION; calls may pass `as` (an agent)",
    'opencode.json: { "mcp": { "exarp": { "type": "local", "command": ["npx", "exarp", "mcp"] } } }  (exarp init --opencode)',
  ],
  loadsZodItself: true,
  load: async () => (await import("../commands/mcp.ts")).mcp,
};
