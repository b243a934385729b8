import type { StoredEvent } from "../event/catalog.ts";
import type { sharedFeed } from "./mcp-feed.ts";
import type { Sessions } from "./sessions.ts";

type Feed = ReturnType<typeof sharedFeed>;

/** Calls `end` once the credential behind a stream is gone; returns how to stop listening. */
export type EndWatch = (end: () => void) => () => void;

const revokes = (tokenId: string) => (e: StoredEvent) => e.type === "token.revoked" && e.payload.tokenId === tokenId;

/** The token is revoked, by whichever process. */
export function tokenRevoked(tokenId: string, feed: Feed): EndWatch {
  return (end) => {
    const watcher = feed.watch((events) => {
      if (events.some(revokes(tokenId))) end();
    });
    return () => watcher.close();
  };
}

/** The browser session is logged out, dropped or expires. */
export function sessionEnded(sessions: Sessions, id: string, expiresAt: number): EndWatch {
  return (end) => {
    const timer = setTimeout(end, Math.max(0, expiresAt - Date.now()));
    timer.unref?.();
    const stop = sessions.onClose(id, end);
    return () => {
      clearTimeout(timer);
      stop();
    };
  };
}

/**
 * The same response, whose body ends the moment any of `watches` says its credential is gone: a
 * revoked token's event stream, or a logged-out page's, does not outlive it.
 */
export function endWhenGone(response: Response, watches: EndWatch[]): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  let stops: (() => void)[] | undefined;
  const stop = () => {
    for (const s of stops ?? []) s();
    stops = undefined;
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        if (!stops) return;
        stop();
        controller.close();
        reader.cancel().catch(() => undefined);
      };
      stops = [];
      for (const watch of watches) stops.push(watch(end));
    },
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        stop();
        throw error;
      }
      // Ended while this read waited.
      if (!stops) return;
      if (chunk.done) {
        stop();
        controller.close();
      } else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      stop();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
