import { type FSWatcher, watch as watchFs } from "node:fs";
import type { StoredEvent } from "../event/catalog.ts";
import type { Store } from "../store/store.ts";

export type WatchOptions = {
  /** Wait this long after a file-system signal before reading, so a burst of writes is one wake-up. */
  debounceMs?: number;
  /** Check `data_version` this often even without a file-system signal (fallback). */
  pollMs?: number;
  /** Keep the process alive while watching (default false). */
  keepAlive?: boolean;
  /** Directory to watch for writes (the database's folder); no file watch when absent. */
  watchDir?: string;
};

export type Watcher = { close(): void };

/**
 * The change feed: an exact "did anything change since my cursor?" that costs one
 * `PRAGMA data_version` when nothing did, and the events since a cursor when something did.
 */
export function createFeed(store: Store) {
  // Read on first use: a command that never asks costs no query (and, over PostgreSQL, no listening connection).
  let dataVersion: number | undefined;
  let head = 0;
  store.onCommit((events) => {
    head = Math.max(head, (events.at(-1) as StoredEvent).seq);
  });

  // When the next lease runs out: reads change at that moment without any write (see viewKey).
  let keyHead = -1;
  let expiries = 0;
  let nextExpiry: number | undefined;

  const feed = {
    /**
     * A key that changes whenever what a read would show changes: a commit by anyone, or a lease
     * running out (an expired lease reads as swept before any write persists it). Costs one
     * `PRAGMA data_version` while nothing changed, so caches keyed by it are exact over SQLite.
     */
    viewKey(now: number, options: { fresh?: boolean } = {}): string {
      // `fresh`: the head as the database has it now, not as of the last wake-up (exact over
      // PostgreSQL too, whose wake-ups trail a commit by a moment, at one cheap read).
      if (options.fresh) head = Math.max(head, store.maxSeq());
      const h = feed.head();
      if (h !== keyHead) {
        keyHead = h;
        expiries = 0;
        nextExpiry = store.nextLeaseExpiry(now);
      } else if (nextExpiry !== undefined && now >= nextExpiry) {
        expiries++;
        nextExpiry = store.nextLeaseExpiry(now);
      }
      return `${h}:${expiries}`;
    },

    /** The newest seq in the log; re-reads it only when another connection committed. */
    head(): number {
      const now = store.dataVersion();
      if (now !== dataVersion) {
        dataVersion = now;
        head = store.maxSeq();
      }
      return head;
    },

    changedSince(cursor: number): boolean {
      return feed.head() > cursor;
    },

    eventsSince(cursor: number, limit = 1000): StoredEvent[] {
      return store.listEvents({ after: cursor, limit });
    },

    /**
     * Calls `onEvents` with every batch of new events after `cursor`, woken by a file watch on the
     * database folder (debounced) or PostgreSQL's notifications, with a polling fallback; the cursor
     * is the truth, so a missed wake-up only delays a batch. Handler errors are reported, not fatal.
     */
    watch(cursor: number, onEvents: (events: StoredEvent[]) => void, options: WatchOptions = {}): Watcher {
      const { debounceMs = 5, pollMs = 100, keepAlive = false } = options;
      let position = cursor;
      let closed = false;
      let pending: ReturnType<typeof setTimeout> | undefined;
      // A read that fails (the disk, a damaged file) is said once, not once per poll, and retried.
      let failing = false;
      const warn = (what: string, error: unknown) =>
        process.emitWarning(`exarp: change feed ${what}: ${error instanceof Error ? error.message : String(error)}`);
      const deliver = () => {
        while (feed.changedSince(position)) {
          const batch = feed.eventsSince(position);
          if (batch.length === 0) break;
          position = (batch.at(-1) as StoredEvent).seq;
          try {
            onEvents(batch);
          } catch (error) {
            warn("handler failed", error);
          }
        }
      };
      // Runs from timers: a throw here would end the process, so a failed read is reported and retried.
      const check = () => {
        pending = undefined;
        if (closed) return;
        try {
          deliver();
          failing = false;
        } catch (error) {
          if (!failing) warn("cannot read the log (retrying)", error);
          failing = true;
        }
      };
      const schedule = () => {
        if (pending === undefined && !closed) {
          pending = setTimeout(check, debounceMs);
          if (!keepAlive) pending.unref?.();
        }
      };
      const poll = setInterval(check, pollMs);
      if (!keepAlive) poll.unref?.();
      let fsWatcher: FSWatcher | undefined;
      if (options.watchDir) {
        try {
          fsWatcher = watchFs(options.watchDir, { persistent: keepAlive }, schedule);
          fsWatcher.on("error", () => fsWatcher?.close());
        } catch {
          fsWatcher = undefined; // polling alone still works
        }
      }
      const unsubscribe = store.onCommit(schedule);
      // PostgreSQL says when another machine committed; no file changes here for those.
      const unwake = store.onExternalChange(check);
      return {
        close() {
          closed = true;
          clearInterval(poll);
          if (pending) clearTimeout(pending);
          fsWatcher?.close();
          unsubscribe();
          unwake();
        },
      };
    },
  };
  return feed;
}

export type Feed = ReturnType<typeof createFeed>;
