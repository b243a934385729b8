import type { StoredEvent } from "../event/catalog.ts";
import type { Watcher } from "../feed/feed.ts";
import type { sharedFeed } from "./mcp-feed.ts";

type Feed = ReturnType<typeof sharedFeed>;

const revokes = (tokenId: string) => (e: StoredEvent) => e.type === "token.revoked" && e.payload.tokenId === tokenId;

/**
 * The same response, whose body ends the moment the token that opened it is revoked, by whichever
 * process: a revoked token's event stream does not outlive it.
 */
export function endOnRevocation(response: Response, tokenId: string, feed: Feed): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  let watcher: Watcher | undefined;
  const stop = () => {
    watcher?.close();
    watcher = undefined;
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      watcher = feed.watch((events) => {
        if (!watcher || !events.some(revokes(tokenId))) return;
        stop();
        controller.close();
        reader.cancel().catch(() => undefined);
      });
    },
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        stop();
        throw error;
      }
      // Ended by a revocation while this read waited.
      if (!watcher) return;
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
