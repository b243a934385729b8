// A Server-Sent Events client for the tests: real fetch streaming, parsed the way the HTML standard
// parses an event stream (lines end at CRLF, LF or CR; a blank line dispatches), so a payload that
// smuggled a line break into the bytes would show up as a forged field or message.
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { EventHub } from "../../src/serve/events.ts";
import { until } from "./expect.ts";

export type SseMessage = { id: string | undefined; event: string | undefined; data: string };

/** The JSON of an exarp event message. */
export type StreamedEvent = {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  actor: string;
  session: string | null;
  time: number;
};

/** The hub answering every request on 127.0.0.1 at a free port, with `@hono/node-server`. */
export async function serveHub(hub: EventHub) {
  const server = serve({ fetch: (request) => hub.stream(request), hostname: "127.0.0.1", port: 0 });
  if (!server.listening) await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/api/events`,
    async close() {
      hub.close();
      (server as Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Opens a stream over HTTP and parses it as it arrives; `close()` disconnects. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  return readStream(await fetch(url, { headers, signal: abort.signal }), abort);
}

/** A stream straight from the hub, in process (as a server adapter would call it); `close()` is the client going away. */
export function hubStream(hub: EventHub, query = "", headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const request = new Request(`http://127.0.0.1/api/events${query}`, { headers, signal: abort.signal });
  return readStream(hub.stream(request), abort);
}

/** Parses an event-stream response as it arrives; aborting `abort` ends the reading. */
export function readStream(response: Response, abort: AbortController) {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const raw: string[] = [];
  let retry: number | undefined;
  let ended = false;
  let failure: unknown;

  let data: string[] = [];
  let id: string | undefined;
  let event: string | undefined;
  const line = (text: string) => {
    if (text === "") {
      if (data.length > 0) messages.push({ id, event, data: data.join("\n") });
      data = [];
      event = undefined;
      return;
    }
    if (text.startsWith(":")) {
      comments.push(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "retry") retry = Number(value);
  };

  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of response.body) {
        const text = decoder.decode(chunk, { stream: true });
        raw.push(text);
        pending += text;
        // A CR at the end may be the first half of a CRLF: it waits for the next chunk.
        const cut = pending.endsWith("\r") ? pending.length - 1 : pending.length;
        const parts = pending.slice(0, cut).split(/\r\n|\n|\r/);
        pending = (parts.pop() ?? "") + pending.slice(cut);
        for (const part of parts) line(part);
      }
    } catch (error) {
      if (!abort.signal.aborted) failure = error;
    } finally {
      ended = true;
    }
  })();

  return {
    response,
    messages,
    comments,
    /** The text received so far, exactly as it came. */
    raw: () => raw.join(""),
    retry: () => retry,
    ended: () => ended,
    failure: () => failure,
    /** The parsed JSON of every message so far. */
    events: () => messages.map((m) => JSON.parse(m.data) as StreamedEvent),
    ids: () => messages.map((m) => Number(m.id)),
    /** Waits until at least `count` messages arrived. */
    async take(count: number, timeoutMs = 20_000): Promise<SseMessage[]> {
      await until(() => messages.length >= count || ended, timeoutMs);
      if (messages.length < count) throw new Error(`the stream ended after ${messages.length} of ${count} messages`);
      return messages.slice(0, count);
    },
    /** Waits for the server to end the stream. */
    async end(timeoutMs = 20_000) {
      await until(() => ended, timeoutMs);
    },
    async close() {
      abort.abort();
      await reading;
    },
  };
}

export type SseStream = ReturnType<typeof readStream>;
