// The server side of JSON-RPC as exarp speaks it, driven message by message through a transport
// that records what is sent (the SDK's client drives it whole in the other MCP tests).
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import {
  agreedVersion,
  createProtocol,
  INTERNAL_ERROR,
  METHOD_NOT_FOUND,
  PROTOCOL_VERSIONS,
  ProtocolError,
  type RequestHandler,
} from "./protocol.ts";

/** A transport whose other end is the test: `receive` delivers a message, `sent` is what came back. */
function wire() {
  const sent: Record<string, unknown>[] = [];
  let closes = 0;
  const transport: Transport = {
    start: async () => undefined,
    send: async (message) => {
      sent.push(message as Record<string, unknown>);
    },
    close: async () => {
      closes++;
      transport.onclose?.();
    },
  };
  return {
    transport,
    sent,
    closes: () => closes,
    receive: (message: unknown) => transport.onmessage?.(message as never),
  };
}

/** Lets every pending handler settle and its answer be sent. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

async function connected(handlers: Record<string, RequestHandler>) {
  const w = wire();
  const events = { closed: 0, errors: [] as string[] };
  const protocol = createProtocol(handlers, {
    onclose: () => {
      events.closed++;
    },
    onerror: (error) => events.errors.push(error.message),
  });
  await protocol.connect(w.transport);
  return { ...w, protocol, events };
}

describe("mcp protocol", () => {
  it("speaks the client's revision when it knows it, else the newest: the revisions of the SDK it is tested with", () => {
    expect(PROTOCOL_VERSIONS).toEqual(SUPPORTED_PROTOCOL_VERSIONS);
    expect(PROTOCOL_VERSIONS[0]).toBe(LATEST_PROTOCOL_VERSION);
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) expect(agreedVersion(version)).toBe(version);
    for (const other of ["2099-01-01", "", undefined, null, 20250618, ["2025-06-18"]])
      expect(agreedVersion(other)).toBe(LATEST_PROTOCOL_VERSION);
  });

  it("answers each request by its id: the handler's result, its ProtocolError, an internal error, or method not found", async () => {
    const w = await connected({
      echo: (params) => ({ params }),
      refuse: () => {
        throw new ProtocolError(-32002, "unknown resource x", { uri: "x" });
      },
      bug: () => {
        throw new TypeError("x is not a function");
      },
      odd: () => Promise.reject("a string"),
    });
    w.receive({ jsonrpc: "2.0", id: 1, method: "echo", params: { a: [1] } });
    w.receive({ jsonrpc: "2.0", id: "two", method: "refuse" });
    w.receive({ jsonrpc: "2.0", id: 3, method: "bug" });
    w.receive({ jsonrpc: "2.0", id: 4, method: "odd" });
    w.receive({ jsonrpc: "2.0", id: 5, method: "resources/templates/list" });
    // Names every object has are not methods.
    w.receive({ jsonrpc: "2.0", id: 6, method: "constructor" });
    w.receive({ jsonrpc: "2.0", id: 7, method: "__proto__" });
    await settle();
    const byId = new Map(w.sent.map((m) => [m.id, m]));
    expect(byId.get(1)).toEqual({ jsonrpc: "2.0", id: 1, result: { params: { a: [1] } } });
    expect(byId.get("two")).toEqual({
      jsonrpc: "2.0",
      id: "two",
      error: { code: -32002, message: "unknown resource x", data: { uri: "x" } },
    });
    expect(byId.get(3)).toEqual({
      jsonrpc: "2.0",
      id: 3,
      error: { code: INTERNAL_ERROR, message: "x is not a function" },
    });
    expect(byId.get(4)).toEqual({ jsonrpc: "2.0", id: 4, error: { code: INTERNAL_ERROR, message: "Internal error" } });
    for (const id of [5, 6, 7])
      expect(byId.get(id)).toEqual({
        jsonrpc: "2.0",
        id,
        error: { code: METHOD_NOT_FOUND, message: "Method not found" },
      });
    expect(w.sent).toHaveLength(7);
  });

  it("drops what is not a JSON-RPC 2.0 request or notification, and answers nothing to notifications", async () => {
    let calls = 0;
    const w = await connected({
      ping: () => {
        calls++;
        return {};
      },
    });
    for (const message of [
      { id: 1, method: "ping" },
      { jsonrpc: "1.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", id: 1, method: 7 },
      { jsonrpc: "2.0", id: null, method: "ping" },
      { jsonrpc: "2.0", id: { n: 1 }, method: "ping" },
      { jsonrpc: "2.0", id: true, method: "ping" },
      { jsonrpc: "2.0", id: Number.NaN, method: "ping" },
      { jsonrpc: "2.0", id: 1, result: {} },
      { jsonrpc: "2.0", id: 1, error: { code: 1, message: "x" } },
      [{ jsonrpc: "2.0", id: 1, method: "ping" }],
      null,
      42,
      "ping",
      { jsonrpc: "2.0", method: "ping" },
      { jsonrpc: "2.0", method: "notifications/initialized" },
    ])
      w.receive(message);
    await settle();
    expect(w.sent).toEqual([]);
    expect(calls).toBe(0);
  });

  it("a cancelled request's handler sees its signal abort, and the request is left unanswered", async () => {
    const seen: boolean[] = [];
    const w = await connected({
      wait: (_, signal) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            seen.push(signal.aborted);
            resolve({ late: true });
          });
        }),
      ping: () => ({}),
    });
    w.receive({ jsonrpc: "2.0", id: 1, method: "wait" });
    w.receive({ jsonrpc: "2.0", id: 2, method: "wait" });
    await settle();
    w.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "gone" } });
    // Cancelling what is not running changes nothing.
    w.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } });
    w.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: null });
    w.receive({ jsonrpc: "2.0", id: 3, method: "ping" });
    await settle();
    expect(seen).toEqual([true]);
    expect(w.sent).toEqual([{ jsonrpc: "2.0", id: 3, result: {} }]);

    // Closing aborts what still runs; its answer has nowhere to go.
    await w.protocol.close();
    await settle();
    expect(seen).toEqual([true, true]);
    expect(w.events.closed).toBe(1);
    expect(w.sent).toHaveLength(1);
  });

  it("sends notifications while connected, nothing after, and connects once", async () => {
    const w = await connected({});
    await w.protocol.notify("notifications/resources/updated", { uri: "exarp://plan" });
    expect(w.sent).toEqual([
      { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "exarp://plan" } },
    ]);
    await expect(w.protocol.connect(wire().transport)).rejects.toThrow(/already connected/);
    await w.protocol.close();
    await w.protocol.notify("notifications/resources/updated", { uri: "exarp://plan" });
    expect(w.sent).toHaveLength(1);
    expect(w.closes()).toBe(1);
  });

  it("passes on what the transport could not read", async () => {
    const w = await connected({});
    w.transport.onerror?.(new Error("unreadable message: Unexpected token"));
    expect(w.events.errors).toEqual(["unreadable message: Unexpected token"]);
  });
});
