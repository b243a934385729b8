import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../app/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Watcher } from "../feed/feed.ts";
import { type Actor, actorLabel } from "../identity/identity.ts";
import { lazy, loadZod } from "../kernel/zod.ts";
import type { Logger } from "../log/logger.ts";
import { NO_LOGGER } from "../log/none.ts";
import { elapsedMs } from "../log/time.ts";
import { inline } from "../text/safe.ts";
import type { Scope } from "../token/token.ts";
import { VERSION } from "../version.ts";
import { createIdentity, tokenIdentity } from "./identity.ts";
import { instructions } from "./prompts.ts";
import { agreedVersion, createProtocol, INVALID_PARAMS, ProtocolError } from "./protocol.ts";
import { serveResources } from "./resources.ts";
import { callTool, type ToolSpec, toolDefinition } from "./tool.ts";
import { approvalTool, ownerApprovalTool, tokenApprovalTool } from "./tools/approval.ts";
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

/** A tool whose calls cannot choose who acts (a token's identity does): its input without `as`. */
function withoutAs(tool: ToolSpec): ToolSpec {
  const input = lazy(() => ("as" in tool.input.shape ? tool.input.omit({ as: true } as never) : tool.input));
  return { ...tool, input };
}

function tokenTools(approval: ToolSpec): readonly ToolSpec[] {
  return TOOLS.map((tool) => (tool === approvalTool ? approval : withoutAs(tool)));
}

/**
 * The tools over remote MCP, by the token's scope: the same eight without `as`; an owner's approval
 * tool also approves and denies. A viewer sees the same list; its writes are refused by scope.
 */
export const TOKEN_TOOLS: Readonly<Record<Scope, readonly ToolSpec[]>> = {
  viewer: tokenTools(tokenApprovalTool),
  collaborator: tokenTools(tokenApprovalTool),
  owner: tokenTools(ownerApprovalTool),
};

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
  /**
   * Acts for a token (remote MCP): every call as its identity (a person for an owner token), none
   * can pass `as`, and each is checked against its scope. Without it the server acts for agents only.
   */
  token?: { actor: Actor; scope: Scope };
  /** Watches the change feed for resource subscriptions (default: a watcher of this server's own). */
  watch?: (onEvents: (events: StoredEvent[]) => void) => Watcher;
  /** A request the client cancelled while it ran, which is never answered (remote MCP ends its response). */
  onCancelled?: (requestId: string | number) => void;
  /** One record per tool call (`EXARP_LOG`), in the HTTP request's span when remote; off by default. */
  logger?: Logger;
};

const toolNames = TOOLS.map((t) => t.name).join(", ");

/** The record of one `tools/call`: the tool, how it ended (`ok`, `error`: a result with `isError`), how long it took. */
function recordCall(logger: Logger, tool: string, outcome: string, started: number): void {
  logger.emit(outcome === "ok" ? "info" : "warn", `tool ${tool}: ${outcome}`, {
    "mcp.method.name": "tools/call",
    "gen_ai.tool.name": tool,
    "exarp.outcome": outcome,
    "exarp.duration_ms": elapsedMs(started),
  });
}

/**
 * The exarp MCP server over one project: tools calling the same services (and zod schemas) as the
 * CLI, and resources with change notifications. It acts for agents only (`exarp`'s identity, or a
 * call's `as`), never for a person, unless it acts for a token (`options.token`). Contract, as the MCP specification asks: everything about a
 * known tool's call — arguments that fail validation, refusals, busy, bugs — is a tool result with
 * `isError: true` the model can read; JSON-RPC errors only for an unknown tool or a `tools/call`
 * without a tool name (-32602). zod is loaded by the first `tools/list` or `tools/call` (the
 * server answers `initialize`, `ping` and resources without it), before any argument is checked.
 */
export function createMcpServer(exarp: Exarp, options: McpServerOptions = {}) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { token } = options;
  const renewal = { log, busyRetryMs: options.busyRetryMs };
  const identity = token ? tokenIdentity(exarp, token.actor, renewal) : createIdentity(exarp, renewal);
  const tools = token ? TOKEN_TOOLS[token.scope] : TOOLS;
  const capabilities = { tools: {}, resources: { subscribe: true } };
  const serverInfo = { name: "exarp", version: VERSION };
  let definitions: Tool[] | undefined;
  const running = new Set<Promise<unknown>>();
  // Aborts calls still waiting (an approval request) when the connection closes.
  const closing = new AbortController();

  const logger = (options.logger ?? NO_LOGGER).scoped("exarp.mcp");
  const call = (params: unknown, signal: AbortSignal) => {
    const started = logger.on ? performance.now() : 0;
    const { name, arguments: args } = (params ?? {}) as { name?: unknown; arguments?: unknown };
    const tool = typeof name === "string" ? tools.find((t) => t.name === name) : undefined;
    if (!tool) {
      if (logger.on)
        recordCall(logger, typeof name === "string" ? inline(name, 80) : "(none)", "unknown tool", started);
      if (typeof name !== "string")
        throw new ProtocolError(INVALID_PARAMS, `tools/call needs a tool name; tools: ${toolNames}`);
      throw new ProtocolError(INVALID_PARAMS, `unknown tool ${inline(name, 80)}; tools: ${toolNames}`);
    }
    const result = loadZod().then(() =>
      callTool(tool, args, identity, {
        log,
        busyRetryMs: options.busyRetryMs,
        signal: AbortSignal.any([signal, closing.signal]),
        scope: token?.scope,
      }),
    );
    running.add(result);
    const done = () => running.delete(result);
    result.then(done, done);
    if (logger.on)
      result.then(
        (answer) => recordCall(logger, tool.name, answer.isError ? "error" : "ok", started),
        () => recordCall(logger, tool.name, "failed", started),
      );
    return result;
  };

  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const resources = serveResources(exarp, {
    watch:
      options.watch ?? ((onEvents) => exarp.feed.watch(exarp.feed.head(), onEvents, { watchDir: options.watchDir })),
    log,
    notify: (uri) => protocol.notify("notifications/resources/updated", { uri }),
  });
  const protocol = createProtocol(
    {
      initialize: (params) => ({
        protocolVersion: agreedVersion((params as { protocolVersion?: unknown } | undefined)?.protocolVersion),
        capabilities,
        serverInfo,
        instructions: instructions(actorLabel(identity.actor.name, identity.actor.session), token?.scope),
      }),
      ping: () => ({}),
      "tools/list": async () => {
        await loadZod();
        definitions ??= tools.map(toolDefinition);
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
      oncancel: options.onCancelled,
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
