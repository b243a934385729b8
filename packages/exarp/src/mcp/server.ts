import { createRequire } from "node:module";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../app/exarp.ts";
import { createIdentity } from "./identity.ts";
import { INSTRUCTIONS } from "./prompts.ts";
import { serveResources } from "./resources.ts";
import { callTool, invalidParams, type ToolSpec, toolDefinition } from "./tool.ts";
import { approvalTool } from "./tools/approval.ts";
import { claimTool } from "./tools/claim.ts";
import { historyTool } from "./tools/history.ts";
import { planTool } from "./tools/plan.ts";
import { primeTool } from "./tools/prime.ts";
import { taskStatusTool } from "./tools/task-status.ts";
import { taskWriteTool } from "./tools/task-write.ts";
import { tasksTool } from "./tools/tasks.ts";

/** Every tool, in the order `tools/list` shows them: at most 8, within 12,000 characters of JSON. */
export const TOOLS: readonly ToolSpec[] = [
  tasksTool,
  taskWriteTool,
  taskStatusTool,
  claimTool,
  planTool,
  approvalTool,
  historyTool,
  primeTool,
];

export type McpServerOptions = {
  /** The `.exarp/` folder, watched so other processes' commits notify subscribers within milliseconds. */
  watchDir?: string;
  /** Where diagnostics go; never stdout, which belongs to the protocol (default stderr). */
  log?: (line: string) => void;
};

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

/**
 * The exarp MCP server over one project: tools calling the same services (and zod schemas) as the
 * CLI, and resources with change notifications. Built on the SDK's low-level `Server` rather than
 * `McpServer`, because `McpServer` turns invalid arguments into tool results, and the contract here
 * is a protocol error (-32602) for bad arguments and `isError` results only for refusals.
 */
export function createMcpServer(exarp: Exarp, options: McpServerOptions = {}) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server = new Server(
    { name: "exarp", version },
    { capabilities: { tools: {}, resources: { subscribe: true } }, instructions: INSTRUCTIONS },
  );
  const identity = createIdentity(exarp);
  const definitions = TOOLS.map(toolDefinition);
  const running = new Set<Promise<unknown>>();

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: definitions }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const { name, arguments: args } = request.params;
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool) throw invalidParams(`unknown tool ${name}; tools: ${TOOLS.map((t) => t.name).join(", ")}`);
    const call = callTool(tool, args, identity, log);
    running.add(call);
    const done = () => running.delete(call);
    call.then(done, done);
    return call;
  });
  const stopResources = serveResources(server, exarp, { watchDir: options.watchDir, log });

  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  server.onclose = () => {
    stopResources();
    markClosed();
  };

  return {
    server,
    connect: (transport: Transport) => server.connect(transport),
    /** Settles when the connection closes (the client went away, or `close()`). */
    closed,
    /**
     * Closes the connection, then waits for calls still running (an approval wait settles by its
     * timeout) so none of them outlives the store it writes to.
     */
    async close(): Promise<void> {
      await server.close();
      await Promise.allSettled([...running]);
    },
  };
}

export type ExarpMcpServer = ReturnType<typeof createMcpServer>;
