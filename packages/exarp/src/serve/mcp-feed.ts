import type { Exarp } from "../app/exarp.ts";
import type { StoredEvent } from "../event/catalog.ts";
import type { Watcher } from "../feed/feed.ts";

type Listener = (events: StoredEvent[]) => void;

/**
 * One change-feed watcher shared by every remote MCP session (each subscribed session would
 * otherwise poll the database on its own): it runs while anyone listens, from the feed's head at
 * the time it starts; a listener that joins later hears each batch from then on.
 */
export function sharedFeed(exarp: Exarp, watchDir: string | undefined, report: (line: string) => void) {
  const listeners = new Set<Listener>();
  let watcher: Watcher | undefined;
  const deliver = (events: StoredEvent[]) => {
    for (const listener of [...listeners]) {
      try {
        listener(events);
      } catch (error) {
        report(`exarp serve: mcp: a change-feed listener failed: ${String(error)}`);
      }
    }
  };
  return {
    watch(listener: Listener): Watcher {
      listeners.add(listener);
      watcher ??= exarp.feed.watch(exarp.feed.head(), deliver, { watchDir });
      return {
        close() {
          listeners.delete(listener);
          if (listeners.size > 0) return;
          watcher?.close();
          watcher = undefined;
        },
      };
    },
  };
}
