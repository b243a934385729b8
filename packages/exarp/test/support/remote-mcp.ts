// Remote MCP on real HTTP (127.0.0.1, any free port), authenticated the way `exarp serve` does it:
// a bearer token looked up by `exarp.tokens.verify`, 401 without a live one. Clients are the SDK's
// own (`Client` over `StreamableHTTPClientTransport`).
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach } from "vitest";
import { createRemoteMcp, type RemoteMcpOptions } from "../../src/serve/mcp-http.ts";
import type { Scope } from "../../src/token/token.ts";
import { testExarp } from "./exarp.ts";
import { tools } from "./mcp.ts";

const MIN = 60_000;
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** A person who mints tokens. */
export const ANA = { name: "user:ana", session: null };

/** The remote MCP endpoint over a fresh project, served until the test ends. */
export async function serveRemoteMcp(options: RemoteMcpOptions = {}) {
  const t = testExarp({ leaseTtlMs: 15 * MIN });
  const logs: string[] = [];
  const remote = createRemoteMcp(t.exarp, { watchDir: t.dir, log: (line) => logs.push(line), ...options });
  const http = serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const secret = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
      const token = secret === undefined ? undefined : t.exarp.tokens.verify(secret);
      if (!token)
        return Response.json({ error: { name: "Unauthenticated", message: "no live token" } }, { status: 401 });
      return remote.handle(request, { token, actor: { name: token.identity, session: null } });
    },
  });
  await new Promise<void>((resolve) => http.once("listening", resolve));
  const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  const clients: Client[] = [];
  running.push(async () => {
    for (const client of clients) await client.close();
    await remote.close();
    await new Promise((resolve) => http.close(resolve));
    t.exarp.close();
  });

  /** A token of `scope` minted by user:ana; its secret. */
  const mint = (scope: Scope, extra: { name?: string; as?: string } = {}) =>
    t.exarp.as(ANA).tokens.create({ scope, ...extra });

  /** An SDK client connected with `secret`, having listed the tools (so it checks each output schema). */
  const connect = async (secret: string) => {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${secret}` } },
    });
    const client = new Client({ name: "remote-test", version: "0" });
    await client.connect(transport);
    clients.push(client);
    const { tools: listed } = await client.listTools();
    return { client, transport, listed, ...tools(client) };
  };

  /** One raw request to the endpoint, as a client that is not the SDK's would send it. */
  const post = (secret: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${secret}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(body),
    });

  return { ...t, remote, url, logs, mint, connect, post };
}

/** A raw `initialize` request's body. */
export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
};
