import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Exarp } from "../app/exarp.ts";
import { createMcpServer, type McpServerOptions } from "./server.ts";

/**
 * Serves MCP on this process's stdin/stdout until the client closes stdin. Stdout carries protocol
 * messages only; diagnostics go to `options.log` (stderr). Resolves once every running call settled.
 */
export async function serveStdio(exarp: Exarp, options: McpServerOptions = {}): Promise<void> {
  const mcp = createMcpServer(exarp, options);
  const { stdin } = process;
  // The SDK's stdio transport does not watch for the end of input: a client that closes stdin is gone.
  const onEnd = () => {
    mcp.close().catch((error: unknown) => options.log?.(`exarp mcp: close failed: ${String(error)}`));
  };
  stdin.once("end", onEnd);
  try {
    await mcp.connect(new StdioServerTransport(stdin, process.stdout));
    await mcp.closed;
    await mcp.close();
  } finally {
    stdin.off("end", onEnd);
  }
}
