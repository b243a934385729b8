import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Exarp } from "../app/exarp.ts";
import { createMcpServer, type McpServerOptions } from "./server.ts";

/** The longest line read before the connection is dropped (the SDK's stdio limit). */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * MCP's stdio transport: one JSON-RPC message per line each way (a trailing `\r` is dropped). A line
 * that is not JSON is reported to `onerror` and skipped; a line longer than MAX_LINE_BYTES closes
 * the connection. Writes wait for `drain` when the pipe is full.
 */
export function stdioTransport(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Transport {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let started = false;
  let closed = false;
  const transport: Transport = {
    async start() {
      if (started) throw new Error("the stdio transport is already started");
      started = true;
      input.on("data", onData);
      input.on("error", onError);
    },
    send(message: JSONRPCMessage) {
      return new Promise<void>((resolve) => {
        if (output.write(`${JSON.stringify(message)}\n`)) resolve();
        else output.once("drain", resolve);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      input.off("data", onData);
      input.off("error", onError);
      if (input.listenerCount("data") === 0) input.pause();
      pending = [];
      pendingBytes = 0;
      transport.onclose?.();
    },
  };
  const onError = (error: Error) => transport.onerror?.(error);
  const deliver = (line: string) => {
    let message: unknown;
    try {
      message = JSON.parse(line.endsWith("\r") ? line.slice(0, -1) : line);
    } catch (error) {
      transport.onerror?.(new Error(`unreadable message: ${(error as Error).message}`));
      return;
    }
    transport.onmessage?.(message as JSONRPCMessage);
  };
  const onData = (chunk: Buffer | string) => {
    let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10)) {
      const head = data.subarray(0, end);
      const line = pending.length ? Buffer.concat([...pending, head]) : head;
      pending = [];
      pendingBytes = 0;
      data = data.subarray(end + 1);
      deliver(line.toString("utf8"));
      if (closed) return;
    }
    if (data.length === 0) return;
    pending.push(data);
    pendingBytes += data.length;
    if (pendingBytes > MAX_LINE_BYTES) {
      transport.onerror?.(new Error(`a message is longer than ${MAX_LINE_BYTES} bytes`));
      transport.close().catch(() => undefined);
    }
  };
  return transport;
}

/**
 * Serves MCP on this process's stdin/stdout until the client closes stdin. Stdout carries protocol
 * messages only; diagnostics go to `options.log` (stderr). Resolves once every running call settled.
 */
export async function serveStdio(exarp: Exarp, options: McpServerOptions = {}): Promise<void> {
  const mcp = createMcpServer(exarp, options);
  const { stdin } = process;
  // A client that closes stdin is gone.
  const onEnd = () => {
    mcp.close().catch((error: unknown) => options.log?.(`exarp mcp: close failed: ${String(error)}`));
  };
  stdin.once("end", onEnd);
  try {
    await mcp.connect(stdioTransport(stdin, process.stdout));
    await mcp.closed;
    await mcp.close();
  } finally {
    stdin.off("end", onEnd);
  }
}
