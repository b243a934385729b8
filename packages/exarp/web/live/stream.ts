// The event stream, cookie-authenticated: `/api/events` from a known seq, events batched per
// animation frame (a burst of writes costs one redraw; a hidden tab does no work until it is seen
// again). EventSource resumes a dropped connection itself with Last-Event-ID; a stream that gave up
// is reopened from the last seq seen, and after a long outage the page reloads the board once
// instead of replaying everything it missed.
import type { StreamEvent } from "../lib/types.ts";

/** Down longer than this: fetch the board again rather than replay the missed events. */
export const LONG_OUTAGE_MS = 60_000;
/** More events than this waiting (a hidden tab on a busy project): fetch the board again when seen. */
export const MAX_QUEUED = 20_000;

export type StreamState = "live" | "reconnecting";

export type StreamOptions = {
  /** The seq the board reflects: the stream starts right after it. */
  after: number;
  onEvents(events: StreamEvent[]): void;
  /** The board is too far behind: fetch it again (then open a new stream). */
  onStale(): void;
  onState(state: StreamState): void;
  /** Before reopening a stream the browser gave up on (e.g. checks the session is still valid). */
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
  let retryMs = 1_000;
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
      retryMs = 1_000;
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
      if (es.readyState !== EventSource.CLOSED || closed) return;
      retry = window.setTimeout(reopen, retryMs);
      retryMs = Math.min(retryMs * 2, 30_000);
    };
  };

  const reopen = () => {
    options.beforeReopen().then(
      () => {
        if (!closed) connect();
      },
      () => {
        if (closed) return;
        retry = window.setTimeout(reopen, retryMs);
        retryMs = Math.min(retryMs * 2, 30_000);
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
