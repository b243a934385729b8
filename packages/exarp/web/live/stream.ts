// The event stream, cookie-authenticated: `/api/events` from a known seq, events batched per
// animation frame (a burst of writes costs one redraw; a hidden tab does no work until it is seen
// again). EventSource resumes a dropped connection itself with Last-Event-ID, once; when that fails
// too (the server is down, or refused the stream) the page reopens it from the last seq seen, each
// wait twice the one before (up to 30 s), and after a long outage reloads the board once instead of
// replaying everything it missed.
import type { StreamEvent } from "../lib/types.ts";

/** Down longer than this: fetch the board again rather than replay the missed events. */
export const LONG_OUTAGE_MS = 60_000;
/** More events than this waiting (a hidden tab on a busy project): fetch the board again when seen. */
export const MAX_QUEUED = 20_000;

/** The first wait before the page reopens a stream itself; each failure doubles it, up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export type StreamState = "live" | "reconnecting";

export type StreamOptions = {
  /** The seq the board reflects: the stream starts right after it. */
  after: number;
  onEvents(events: StreamEvent[]): void;
  /** The board is too far behind: fetch it again (then open a new stream). */
  onStale(): void;
  onState(state: StreamState): void;
  /** Before the page reopens the stream itself (e.g. checks the session is still valid). */
  beforeReopen(): Promise<void>;
};

export type Stream = { close(): void };

export function openStream(options: StreamOptions): Stream {
  let lastSeq = options.after;
  let source: EventSource | undefined;
  let downSince: number | undefined;
  let queue: StreamEvent[] = [];
  let stale = false;
  let frame = 0;
  let retry = 0;
  let retryMs = FIRST_RETRY_MS;
  /** Failed connection attempts since the stream was last open. */
  let failures = 0;
  let closed = false;

  const flush = () => {
    frame = 0;
    if (stale) {
      close();
      options.onStale();
      return;
    }
    const batch = queue;
    queue = [];
    if (batch.length) options.onEvents(batch);
  };

  const connect = () => {
    const es = new EventSource(`/api/events?after=${lastSeq}`);
    source = es;
    es.onopen = () => {
      retryMs = FIRST_RETRY_MS;
      failures = 0;
      if (downSince !== undefined && Date.now() - downSince > LONG_OUTAGE_MS) {
        stale = true;
        frame ||= requestAnimationFrame(flush);
        return;
      }
      downSince = undefined;
      options.onState("live");
    };
    es.onmessage = (message) => {
      const event = JSON.parse(message.data) as StreamEvent;
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      if (queue.length >= MAX_QUEUED) stale = true;
      else queue.push(event);
      frame ||= requestAnimationFrame(flush);
    };
    es.onerror = () => {
      downSince ??= Date.now();
      options.onState("reconnecting");
      if (closed) return;
      // The browser retries a dropped stream itself (by Last-Event-ID), every second for as long as the
      // server is away: it may once; after that the page waits, longer each time.
      if (failures++ === 0 && es.readyState !== EventSource.CLOSED) return;
      es.close();
      later();
    };
  };

  const later = () => {
    retry = window.setTimeout(reopen, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const reopen = () => {
    options.beforeReopen().then(
      () => {
        if (!closed) connect();
      },
      () => {
        if (!closed) later();
      },
    );
  };

  function close(): void {
    closed = true;
    source?.close();
    clearTimeout(retry);
    if (frame) cancelAnimationFrame(frame);
  }

  connect();
  return { close };
}
