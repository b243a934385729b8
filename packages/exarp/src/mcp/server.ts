import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../app/exarp.ts";
import { actorLabel } from "../identity/identity.ts";
import { loadZod } from "../kernel/zod.ts";
import { inline } from "../text/safe.ts";
import { VERSION } from "../version.ts";
import { createIdentity } from "./identity.ts";
import { instructions } from "./prompts.ts";
import { agreedVersion, createProtocol, INVALID_PARAMS, ProtocolError } from "./protocol.ts";
import { serveResources } from "./resources.ts";
import { callTool, type ToolSpec, toolDefinition } from "./tool.ts";
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
  /**
   * How long a write keeps retrying while another process holds the write lock before the call is
   * answered busy (default 10 s). Open the store with a short busy timeout (`SHORT_BUSY_TIMEOUT_MS`)
   * so that each attempt blocks the event loop only briefly.
   */
  busyRetryMs?: number;
};

const toolNames = TOOLS.map((t) => t.name).join(", ");

/**
 * The exarp MCP server over one project: tools calling the same services (and zod schemas) as the
 * CLI, and resources with change notifications. It acts for agents only (`exarp`'s identity, or a
 * call's `as`), never for a person. Contract, as the MCP specification asks: everything about a
 * known tool's call — arguments that fail validation, refusals, busy, bugs — is a tool result with
 * `isError: true` the model can read; JSON-RPC errors only for an unknown tool or a `tools/call`
 * without a tool name (-32602). zod is loaded by the first `tools/list` or `tools/call` (the
 * server answers `initialize`, `ping` and resources without it), before any argument is checked.
 */
export function createMcpServer(exarp: Exarp, options: McpServerOptions = {}) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const identity = createIdentity(exarp, { log, busyRetryMs: options.busyRetryMs });
  const capabilities = { tools: {}, resources: { subscribe: true } };
  const serverInfo = { name: "exarp", version: VERSION };
  let definitions: Tool[] | undefined;
  const running = new Set<Promise<unknown>>();
  // Aborts calls still waiting (an approval request) when the connection closes.
  const closing = new AbortController();

  const call = (params: unknown, signal: AbortSignal) => {
    const { name, arguments: args } = (params ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof name !== "string")
      throw new ProtocolError(INVALID_PARAMS, `tools/call needs a tool name; tools: ${toolNames}`);
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool) throw new ProtocolError(INVALID_PARAMS, `unknown tool ${inline(name, 80)}; tools: ${toolNames}`);
    const result = loadZod().then(() =>
      callTool(tool, args, identity, {
        log,
        busyRetryMs: options.busyRetryMs,
        signal: AbortSignal.any([signal, closing.signal]),
      }),
    );
    running.add(result);
    const done = () => running.delete(result);
    result.then(done, done);
    return result;
  };

  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const resources = serveResources(exarp, {
    watchDir: options.watchDir,
    log,
    notify: (uri) => protocol.notify("notifications/resources/updated", { uri }),
  });
  const protocol = createProtocol(
    {
      initialize: (params) => ({
        protocolVersion: agreedVersion((params as { protocolVersion?: unknown } | undefined)?.protocolVersion),
        capabilities,
        serverInfo,
        instructions: instructions(actorLabel(identity.actor.name, identity.actor.session)),
      }),
      ping: () => ({}),
      "tools/list": async () => {
        await loadZod();
        definitions ??= TOOLS.map(toolDefinition);
        return { tools: definitions };
      },
      "tools/call": call,
      ...resources.handlers,
    },
    {
      onclose: () => {
        closing.abort();
        resources.stop();
        markClosed();
      },
      onerror: (error) => log(`exarp mcp: ${error.message}`),
    },
  );

  return {
    connect: (transport: Transport) => protocol.connect(transport),
    /** Settles when the connection closes (the client went away, or `close()`). */
    closed,
    /**
     * Closes the connection, then waits for calls still running (a waiting approval request is
     * abandoned; the request stays open for a decision) and lease renewals still retrying, so none
     * of them outlives the store it writes to.
     */
    async close(): Promise<void> {
      await protocol.close();
      closing.abort();
      await Promise.allSettled([...running]);
      await identity.idle();
    },
  };
}

export type ExarpMcpServer = ReturnType<typeof createMcpServer>;
