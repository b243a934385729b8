import { type EventType, eventPayloads, type PayloadOf, type StoredEvent } from "../event/catalog.ts";
import type { Feed, Watcher } from "../feed/feed.ts";
import type { Store } from "../store/store.ts";

/** One message on the bus: an event's payload with where it came from. */
export type BusMessage<T extends EventType = EventType> = {
  topic: T;
  payload: PayloadOf<T>;
  /** The event's place in the log; null for a message published in-process only. */
  seq: number | null;
  /** The process instance that produced it. */
  origin: string;
  actor: string;
  session: string | null;
  time: number;
};

export type BusHandler<T extends EventType> = (message: BusMessage<T>) => void;

export type BusOptions = {
  store: Store;
  feed: Feed;
  /** This process's origin: its own events come back through the log and are not delivered twice. */
  origin: string;
  /** Folder to watch for other processes' commits. */
  watchDir?: string;
  report?: (message: string) => void;
};

/**
 * Typed topics derived from the event catalogue. Events this process commits are delivered at once,
 * in-process; events other processes commit arrive through the change feed. Every message carries
 * its origin, so a process never handles its own echo. A throwing subscriber does not stop the others.
 */
export function createBus(options: BusOptions) {
  const { store, feed } = options;
  const handlers = new Map<EventType | "*", Set<BusHandler<EventType>>>();
  let watcher: Watcher | undefined;

  const deliver = (message: BusMessage) => {
    for (const key of [message.topic, "*"] as const) {
      for (const handler of handlers.get(key) ?? []) {
        try {
          handler(message);
        } catch (error) {
          (options.report ?? ((m: string) => process.emitWarning(m)))(
            `exarp bus: a ${message.topic} subscriber failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  };
  const fromEvent = (e: StoredEvent): BusMessage =>
    ({
      topic: e.type,
      payload: e.payload,
      seq: e.seq,
      origin: e.origin,
      actor: e.actor,
      session: e.session,
      time: e.time,
    }) as BusMessage;

  const stopLocal = store.onCommit((events) => {
    if (handlers.size) for (const e of events) deliver(fromEvent(e));
  });
  const startRemote = () => {
    watcher ??= feed.watch(
      feed.head(),
      (events) => {
        for (const e of events) if (e.origin !== options.origin) deliver(fromEvent(e));
      },
      { watchDir: options.watchDir },
    );
  };

  return {
    /** Calls `handler` for every message on `topic` (`*`: all); returns the unsubscribe function. */
    subscribe<T extends EventType>(topic: T | "*", handler: BusHandler<T>): () => void {
      const set = handlers.get(topic) ?? new Set();
      set.add(handler as BusHandler<EventType>);
      handlers.set(topic, set);
      startRemote();
      return () => {
        set.delete(handler as BusHandler<EventType>);
      };
    },

    /**
     * Delivers a message to this process's subscribers (validated like an event). It does not reach
     * other processes: what they see is what was committed to the log.
     */
    publish<T extends EventType>(topic: T, payload: PayloadOf<T>, actor = "local"): void {
      const parsed = eventPayloads[topic].parse(payload) as PayloadOf<T>;
      deliver({
        topic,
        payload: parsed,
        seq: null,
        origin: options.origin,
        actor,
        session: null,
        time: Date.now(),
      } as BusMessage);
    },

    close(): void {
      watcher?.close();
      watcher = undefined;
      stopLocal();
      handlers.clear();
    },
  };
}

export type Bus = ReturnType<typeof createBus>;
