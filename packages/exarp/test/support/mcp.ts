import { isDeepStrictEqual } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type CallToolResult, CallToolResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../../src/app/exarp.ts";
import { createMcpServer, type McpServerOptions } from "../../src/mcp/server.ts";

export type Args = Record<string, unknown>;

/** Calls helpers over any connected SDK client. */
export function tools(client: Client) {
  const call = (name: string, args: Args = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  /** A `tools/call` with `arguments` exactly as given (null, an array…), past the client's types. */
  const raw = (name: unknown, args: unknown) =>
    client.request(
      { method: "tools/call", params: { name, arguments: args } } as never,
      CallToolResultSchema,
    ) as Promise<CallToolResult>;
  const text = (result: CallToolResult) => (result.content[0] as { type: "text"; text: string }).text;
  const refusal = (name: string, result: CallToolResult) => {
    if (!result.isError) throw new Error(`${name} was expected to be refused, got ${text(result)}`);
    return text(result);
  };
  return {
    call,
    raw,
    /**
     * The parsed JSON of a successful call; throws with the text of a refusal, or when the call's
     * `structuredContent` is not the same JSON as its text.
     */
    // biome-ignore lint/suspicious/noExplicitAny: tests read results field by field
    async ok<T = any>(name: string, args: Args = {}): Promise<T> {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} refused: ${text(result)}`);
      const body = text(result);
      if (result.structuredContent !== undefined && !isDeepStrictEqual(result.structuredContent, JSON.parse(body)))
        throw new Error(
          `${name}: structuredContent differs from the text: ${JSON.stringify(result.structuredContent)}`,
        );
      return (body.startsWith("{") ? JSON.parse(body) : body) as T;
    },
    /** The message of a refusal (`isError: true`); throws when the call succeeded. */
    async refused(name: string, args: Args = {}): Promise<string> {
      return refusal(name, await call(name, args));
    },
    /** The message of an argument failure (`isError: true`, "invalid arguments"); throws otherwise. */
    async invalid(name: string, args: unknown = {}): Promise<string> {
      const message = refusal(name, await raw(name, args));
      if (!message.startsWith(`${name}: invalid arguments: `))
        throw new Error(`${name} was expected to answer invalid arguments, got ${message}`);
      return message;
    },
    /** The protocol (JSON-RPC) error of a call; throws when there was none. */
    async protocolError(name: unknown, args: unknown = {}): Promise<McpError> {
      try {
        const result = await raw(name, args);
        throw new Error(`${String(name)} was expected to be a protocol error, got ${JSON.stringify(result)}`);
      } catch (error) {
        if (error instanceof McpError) return error;
        throw error;
      }
    },
  };
}

/**
 * An MCP server over `exarp` and a real SDK client, linked in memory. The client lists the tools
 * first, so that it checks every result against its tool's output schema.
 */
export async function connectMcp(exarp: Exarp, options: McpServerOptions = {}) {
  const logs: string[] = [];
  const server = createMcpServer(exarp, { log: (line) => logs.push(line), ...options });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "exarp-test", version: "0" });
  await client.connect(clientSide);
  await client.listTools();
  return {
    client,
    server,
    logs,
    ...tools(client),
    async close() {
      await client.close();
      await server.close();
    },
  };
}
