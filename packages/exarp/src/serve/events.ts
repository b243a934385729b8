// `GET /api/events`: committed events as Server-Sent Events, for every client of the process from
// one change-feed watcher. The hub serialises each event once and hands the same bytes to every
// client; a client that falls behind catches up from the log rather than grow the server's memory,
// and one that stops reading is cut off.
import type { Exarp } from "../app/exarp.ts";
import { defineError, type ExarpError } from "../errors.ts";
import { InvalidInput } from "../errors-catalog.ts";
import type { StoredEvent } from "../event/catalog.ts";
import { type Batch, createEventClient, type EventClient } from "./events-client.ts";
import { comment, encode, eventMessage, RETRY_MS, requestedCursor } from "./events-message.ts";
import { jsonResponse } from "./respond.ts";

export type EventHubOptions = {
  /** The project's `.exarp/` folder: a file watch there wakes the feed at once on other processes' writes. */
  watchDir?: string;
  /**
   * A comment this often keeps idle connections (and proxies) open; default 15 s. A client that reads
   * nothing for a whole interval while bytes wait for it has stopped reading and is disconnected.
   */
  heartbeatMs?: number;
  /** Bytes held for a client that has not read them yet; past it, it catches up from the log. Default 1 MiB. */
  maxBacklogBytes?: number;
  /** Streams open at once; more are answered 503. Default 500 (with the backlog cap: at most 500 MiB held for slow clients). */
  maxClients?: number;
  /** Events read from the log per chunk while a client catches up; default 200. */
  replayLimit?: number;
};

export type EventHubStats = {
  /** Streams open now. */
  clients: number;
  /** Streams cut off so far because their client stopped reading. */
  dropped: number;
  /** The seq of the last event fanned out live. */
  head: number;
};

export type EventHub = {
  /** The response to `GET /api/events` (authentication is the caller's). */
  stream(request: Request): Response;
  /** Ends every stream and stops watching. */
  close(): void;
  stats(): EventHubStats;
};

/** The event stream cannot take this client now (too many streams, or the server is stopping). */
export const StreamUnavailable = defineError<{ reason: string }>("StreamUnavailable", (d) => d.reason);

const HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Accel-Buffering": "no",
};

const RETRY_AFTER_SECONDS = "5";

const refusal = (status: number, error: ExarpError, headers: Record<string, string> = {}) =>
  jsonResponse(status, { error: error.toJSON() }, headers);

function batchOf(events: StoredEvent[]): Batch {
  const messages = events.map((e) => ({ seq: e.seq, text: eventMessage(e) }));
  return {
    first: events[0]?.seq ?? 0,
    last: events.at(-1)?.seq ?? 0,
    messages,
    bytes: encode(messages.map((m) => m.text).join("")),
  };
}

/** The hub behind `GET /api/events`: one watcher on the change feed, fanned out to every open stream. */
export function createEventHub(exarp: Pick<Exarp, "feed">, options: EventHubOptions = {}): EventHub {
  const maxBacklogBytes = options.maxBacklogBytes ?? 2 ** 20;
  const maxClients = options.maxClients ?? 500;
  const replayLimit = options.replayLimit ?? 200;
  const { feed } = exarp;
  const clients = new Set<EventClient>();
  let position = feed.head();
  let dropped = 0;
  let closed = false;

  const watcher = feed.watch(
    position,
    (events) => {
      position = events.at(-1)?.seq ?? position;
      // Serialised once for every client, and not at all while nobody listens.
      if (clients.size === 0) return;
      const batch = batchOf(events);
      for (const client of clients) client.deliver(batch);
    },
    { watchDir: options.watchDir, keepAlive: true },
  );
  const heartbeat = setInterval(() => {
    const bytes = encode(`${comment("heartbeat")}\n`);
    for (const client of clients) client.heartbeat(bytes);
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref?.();

  const source = { eventsSince: feed.eventsSince, position: () => position };

  return {
    stream(request) {
      if (closed) return refusal(503, new StreamUnavailable({ reason: "the server is stopping" }));
      const head = feed.head();
      let cursor: number | undefined;
      try {
        cursor = requestedCursor(request, head);
      } catch (error) {
        if (InvalidInput.is(error)) return refusal(400, error);
        throw error;
      }
      if (clients.size >= maxClients) {
        const reason = `${clients.size} event streams are open, the most this server takes; retry later`;
        return refusal(503, new StreamUnavailable({ reason }), { "Retry-After": RETRY_AFTER_SECONDS });
      }
      const live = cursor === undefined;
      const client: EventClient = createEventClient(source, {
        // Live from now: from the newest committed event, which the hub may not have fanned out yet.
        cursor: cursor ?? head,
        preamble: `retry: ${RETRY_MS}\n${live ? comment(`head ${head}`) : ""}\n`,
        maxBacklogBytes,
        replayLimit,
        signal: request.signal,
        onEnd(reason) {
          clients.delete(client);
          if (reason === "dropped") dropped++;
        },
      });
      clients.add(client);
      // A client gone before it was registered is never told so by its signal.
      if (request.signal.aborted) client.end();
      return new Response(client.stream, { headers: HEADERS });
    },
    close() {
      closed = true;
      watcher.close();
      clearInterval(heartbeat);
      for (const client of [...clients]) client.end();
    },
    stats: () => ({ clients: clients.size, dropped, head: position }),
  };
}
