// The server side of MCP's JSON-RPC 2.0, as much of it as exarp serves: requests answered by method
// (an unknown one is "Method not found"), a request's handler aborted by `notifications/cancelled`
// (and then left unanswered), notifications sent to the client, and the protocol version agreed at
// `initialize`. It speaks to any SDK transport (stdio, the SDK's in-memory pair in tests). Written
// here rather than taken from the SDK's Server, whose message schemas alone take ~40 ms to build at
// start-up; the SDK's client drives it in the tests, in memory and over stdio.
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** The MCP revisions this server speaks, newest first (those of the SDK it is tested with). */
export const PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"] as const;

/** JSON-RPC's error codes. */
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

/**
 * A JSON-RPC error answered as it is: a plain Error with a `code` (the SDK's McpError would prefix
 * its message with "MCP error -32602:", and the client prefixes it again).
 */
export class ProtocolError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.data = data;
  }
}

/** Answers one request's `params`; `signal` aborts when the client cancels it or the connection closes. */
export type RequestHandler = (params: unknown, signal: AbortSignal) => unknown;

type Id = string | number;
type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

const isId = (id: unknown): id is Id => typeof id === "string" || (typeof id === "number" && Number.isFinite(id));

/** The version both sides speak: the client's when this server knows it, else the newest. */
export function agreedVersion(requested: unknown): string {
  return PROTOCOL_VERSIONS.find((v) => v === requested) ?? PROTOCOL_VERSIONS[0];
}

/** The error object of a failed request: a ProtocolError's code and data, anything else an internal error. */
function errorOf(error: unknown): { code: number; message: string; data?: unknown } {
  const { code, message, data } = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    code: Number.isSafeInteger(code) ? (code as number) : INTERNAL_ERROR,
    message: typeof message === "string" ? message : "Internal error",
    ...(data !== undefined ? { data } : {}),
  };
}

/**
 * A server over one connection. Messages that are not JSON-RPC 2.0 (no `jsonrpc: "2.0"`, no method,
 * an id that is neither a string nor a number) are dropped, as the SDK drops them; answers to
 * requests this server never sends are ignored. `onerror` hears what the transport could not read.
 */
export function createProtocol(
  handlers: Record<string, RequestHandler>,
  options: {
    onclose: () => void;
    onerror: (error: Error) => void;
    /** A running request was cancelled by the client: it is never answered. */
    oncancel?: (id: Id) => void;
  },
) {
  let transport: Transport | undefined;
  const running = new Map<Id, AbortController>();

  const send = (message: object) => {
    const to = transport;
    // A client gone mid-answer is the close handler's business, not the handler's.
    to?.send(message as JSONRPCMessage).catch(() => undefined);
  };

  const request = (id: Id, method: string, params: unknown) => {
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) {
      send({ jsonrpc: "2.0", id, error: { code: METHOD_NOT_FOUND, message: "Method not found" } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const settle = (answer: object) => {
      if (running.get(id) === controller) running.delete(id);
      if (!controller.signal.aborted) send({ jsonrpc: "2.0", id, ...answer });
    };
    Promise.resolve()
      .then(() => handler(params, controller.signal))
      .then(
        (result) => settle({ result }),
        (error: unknown) => settle({ error: errorOf(error) }),
      );
  };

  const notification = (method: string, params: unknown) => {
    if (method !== "notifications/cancelled") return;
    const id = (params as { requestId?: unknown } | undefined)?.requestId;
    if (!isId(id) || !running.has(id)) return;
    running.get(id)?.abort();
    options.oncancel?.(id);
  };

  const receive = (raw: unknown) => {
    const message = raw as Message;
    if (message === null || typeof message !== "object" || message.jsonrpc !== "2.0") return;
    if (typeof message.method !== "string") return;
    if (message.id === undefined) notification(message.method, message.params);
    else if (isId(message.id)) request(message.id, message.method, message.params);
  };

  const closed = () => {
    transport = undefined;
    for (const controller of running.values()) controller.abort();
    running.clear();
    options.onclose();
  };

  return {
    async connect(to: Transport): Promise<void> {
      if (transport) throw new Error("already connected: close the connection first");
      transport = to;
      to.onmessage = receive;
      to.onclose = closed;
      to.onerror = options.onerror;
      await to.start();
    },

    /** Sends a notification (`notifications/resources/updated`…); nothing when not connected. */
    notify(method: string, params: Record<string, unknown>): Promise<void> {
      return transport?.send({ jsonrpc: "2.0", method, params } as JSONRPCMessage) ?? Promise.resolve();
    },

    async close(): Promise<void> {
      await transport?.close();
    },
  };
}

export type Protocol = ReturnType<typeof createProtocol>;
