// One subscriber of the event hub: a pull stream that replays from the log until it has caught up
// with the hub, then takes the hub's live batches. What it has not sent yet is counted and capped:
// past the cap the client catches up from the log again, and one that stops reading is cut off.
import type { StoredEvent } from "../event/catalog.ts";
import { encode, eventMessage } from "./events-message.ts";

/** One fan-out of the hub: each event's message, serialised once, and all of them as one chunk. */
export type Batch = {
  first: number;
  last: number;
  messages: { seq: number; text: string }[];
  bytes: Uint8Array;
};

/** Where a client catches up from: the log, and how far the hub has fanned out live. */
export type ReplaySource = {
  eventsSince(cursor: number, limit: number): StoredEvent[];
  /** The seq of the last event the hub has fanned out; live batches carry on after it. */
  position(): number;
};

/** Why a stream ended: its client stopped reading, went away, or the hub closed. */
export type EndReason = "dropped" | "gone" | "closed";

export type ClientOptions = {
  /** Seq of the last event the client has: it receives exactly the events after it. */
  cursor: number;
  /** The first bytes of the stream (the retry interval, and where a live stream starts). */
  preamble: string;
  /** Bytes held for the client at most; a live batch that would pass it is read from the log later. */
  maxBacklogBytes: number;
  /** Events read from the log per replayed chunk. */
  replayLimit: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Called once, when the stream ends for whatever reason. */
  onEnd(reason: EndReason): void;
};

export type EventClient = {
  readonly stream: ReadableStream<Uint8Array>;
  /** A live batch: the events after what this client has, unless it is still replaying them from the log. */
  deliver(batch: Batch): void;
  /**
   * A heartbeat comment, sent unless bytes already wait. A client that has read nothing since the
   * previous heartbeat while bytes wait for it has stopped reading: it is cut off.
   */
  heartbeat(bytes: Uint8Array): void;
  /** Ends the stream once what is queued is sent (the hub closing). */
  end(): void;
};

function joined(chunks: Uint8Array[], bytes: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * A subscriber's stream. No gap and no duplicate, by one rule: `sent` is the seq of the last event
 * handed on, and only events after it are ever handed on. While behind the hub the client reads
 * pages from the log, one per read of its consumer (so catching up costs no memory however far back
 * it starts), and ignores live batches: what they carry is in the log too. A page that reaches the
 * hub's position makes it live within the same synchronous step, so no batch can fall in between.
 * A live client that falls more than `maxBacklogBytes` behind (a slow reader, or a burst of commits
 * larger than the cap for every client) goes back to the log the same way, rather than be cut off.
 */
export function createEventClient(source: ReplaySource, options: ClientOptions): EventClient {
  let sent = options.cursor;
  let replaying = sent < source.position();
  let queue: Uint8Array[] = [encode(options.preamble)];
  let queuedBytes = queue[0]?.byteLength ?? 0;
  // The consumer is waiting and nothing was queued: the next chunk goes straight to it.
  let reading = false;
  // Bytes waited at the last heartbeat, and the consumer has read nothing since.
  let unread = false;
  let ended = false;
  let controller: ReadableStreamDefaultController<Uint8Array>;

  const finish = (reason: EndReason): boolean => {
    if (ended) return false;
    ended = true;
    queue = [];
    queuedBytes = 0;
    options.signal.removeEventListener("abort", onAbort);
    options.onEnd(reason);
    return true;
  };
  const onAbort = () => {
    if (finish("gone")) controller.close();
  };
  options.signal.addEventListener("abort", onAbort, { once: true });

  const takeQueue = (): Uint8Array => {
    const chunk = joined(queue, queuedBytes);
    queue = [];
    queuedBytes = 0;
    return chunk;
  };

  const handOn = (bytes: Uint8Array) => {
    if (reading) {
      reading = false;
      controller.enqueue(bytes);
      return;
    }
    queue.push(bytes);
    queuedBytes += bytes.byteLength;
  };

  const replayPage = (): Uint8Array | undefined => {
    const events = source.eventsSince(sent, options.replayLimit);
    const last = events.at(-1);
    if (last === undefined || last.seq >= source.position()) replaying = false;
    if (last === undefined) return undefined;
    sent = last.seq;
    return encode(events.map(eventMessage).join(""));
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        unread = false;
        const chunk = queue.length > 0 ? takeQueue() : replaying ? replayPage() : undefined;
        if (chunk) controller.enqueue(chunk);
        else reading = true;
      },
      cancel() {
        finish("gone");
      },
    },
    // Nothing is buffered inside the stream: every unsent byte is in `queue`, where it is counted.
    { highWaterMark: 0 },
  );

  return {
    stream,
    deliver(batch) {
      if (ended || replaying || batch.last <= sent) return;
      const bytes =
        batch.first > sent
          ? batch.bytes
          : encode(
              batch.messages
                .filter((m) => m.seq > sent)
                .map((m) => m.text)
                .join(""),
            );
      if (!reading && queuedBytes + bytes.byteLength > options.maxBacklogBytes) {
        replaying = true;
        return;
      }
      sent = batch.last;
      handOn(bytes);
    },
    heartbeat(bytes) {
      if (ended) return;
      if (queue.length === 0) handOn(bytes);
      // The backlog is let go at once; the connection ends once the client reads what its socket holds.
      else if (unread && finish("dropped")) controller.close();
      else unread = true;
    },
    end() {
      const rest = queue.length > 0 ? takeQueue() : undefined;
      if (!finish("closed")) return;
      if (rest) controller.enqueue(rest);
      controller.close();
    },
  };
}
